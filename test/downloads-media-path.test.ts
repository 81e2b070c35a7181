import fc from 'fast-check';
import { parseMediaPath, readDownloadTokenParam, readShareTokenParam } from '../src/downloads/media-path';
import { newShareToken } from '../src/recording/share-token';

const opts = { mediaUrlPrefix: '/media/', outputFolder: 'recordings' };
const ID = '3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
const TRACK = 'TR_AMkq8Xz3Lw5N';

describe('parseMediaPath accepts exactly {prefix}{folder}/{uuid}.{ext}', () => {
  it('reads an mp4 and an ogg recording', () => {
    expect(parseMediaPath(`/media/recordings/${ID}.mp4`, opts)).toEqual({
      recordingId: ID,
      extension: 'mp4',
      trackId: null,
      key: `recordings/${ID}.mp4`,
    });
    expect(parseMediaPath(`/media/recordings/${ID}.ogg`, opts)).toEqual({
      recordingId: ID,
      extension: 'ogg',
      trackId: null,
      key: `recordings/${ID}.ogg`,
    });
  });

  it("reads a participant's track file {prefix}{folder}/{uuid}/{track id}.ogg", () => {
    expect(parseMediaPath(`/media/recordings/${ID}/${TRACK}.ogg?token=${TOKEN}`, opts)).toEqual({
      recordingId: ID,
      extension: 'ogg',
      trackId: TRACK,
      key: `recordings/${ID}/${TRACK}.ogg`,
    });
    const nested = { mediaUrlPrefix: '/files/media/', outputFolder: 'meet/recordings' };
    expect(parseMediaPath(`/files/media/meet/recordings/${ID}/${TRACK}.ogg`, nested)?.key).toBe(`meet/recordings/${ID}/${TRACK}.ogg`);
  });

  it('ignores the query string for the path match', () => {
    expect(parseMediaPath(`/media/recordings/${ID}.mp4?token=${TOKEN}`, opts)?.key).toBe(`recordings/${ID}.mp4`);
    expect(parseMediaPath(`/media/recordings/${ID}.mp4?`, opts)?.recordingId).toBe(ID);
    expect(parseMediaPath(`/media/recordings/${ID}.mp4?a=1&b=/../x`, opts)?.recordingId).toBe(ID);
  });

  it('follows the configured prefix and a nested output folder', () => {
    const nested = { mediaUrlPrefix: '/files/media/', outputFolder: 'meet/recordings' };
    expect(parseMediaPath(`/files/media/meet/recordings/${ID}.mp4`, nested)).toEqual({
      recordingId: ID,
      extension: 'mp4',
      trackId: null,
      key: `meet/recordings/${ID}.mp4`,
    });
    expect(parseMediaPath(`/media/recordings/${ID}.mp4`, nested)).toBeNull();
    expect(parseMediaPath(`/${'recordings'}/${ID}.mp4`, { mediaUrlPrefix: '/', outputFolder: 'recordings' })?.key).toBe(
      `recordings/${ID}.mp4`,
    );
  });
});

describe('parseMediaPath refuses everything else', () => {
  const refused: [string, string][] = [
    ['traversal ..', `/media/recordings/../recordings/${ID}.mp4`],
    ['traversal out of the prefix', `/media/../media/recordings/${ID}.mp4`],
    ['traversal into the folder', `/media/other/../recordings/${ID}.mp4`],
    ['dot segment', `/media/./recordings/${ID}.mp4`],
    ['encoded dots %2e%2e', `/media/recordings/%2e%2e/recordings/${ID}.mp4`],
    ['encoded dots uppercase %2E%2E', `/media/%2E%2E/media/recordings/${ID}.mp4`],
    ['encoded slash %2F', `/media/recordings%2F${ID}.mp4`],
    ['encoded slash lowercase %2f', `/media/recordings%2f${ID}.mp4`],
    ['double-encoded slash %252F', `/media/recordings%252F${ID}.mp4`],
    ['encoded letter', `/media/recordings/${ID}.mp%34`],
    ['encoded uuid character', `/media/recordings/%33${ID.slice(1)}.mp4`],
    ['backslash', `/media/recordings\\${ID}.mp4`],
    ['backslash traversal', `/media/recordings/..\\${ID}.mp4`],
    ['doubled slash after prefix', `/media//recordings/${ID}.mp4`],
    ['doubled slash before file', `/media/recordings//${ID}.mp4`],
    ['leading doubled slash', `//media/recordings/${ID}.mp4`],
    ['extra segment', `/media/recordings/x/${ID}.mp4`],
    ['extra trailing segment', `/media/recordings/${ID}.mp4/x`],
    ['missing folder', `/media/${ID}.mp4`],
    ['missing prefix', `/recordings/${ID}.mp4`],
    ['wrong prefix', `/medias/recordings/${ID}.mp4`],
    ['prefix without slash', `/mediarecordings/${ID}.mp4`],
    ['wrong folder', `/media/other/${ID}.mp4`],
    ['folder as prefix of another', `/media/recordings2/${ID}.mp4`],
    ['uppercase folder', `/media/Recordings/${ID}.mp4`],
    ['uppercase prefix', `/MEDIA/recordings/${ID}.mp4`],
    ['other extension', `/media/recordings/${ID}.webm`],
    ['uppercase extension', `/media/recordings/${ID}.MP4`],
    ['mixed-case extension', `/media/recordings/${ID}.Ogg`],
    ['double extension', `/media/recordings/${ID}.mp4.mp4`],
    ['no extension', `/media/recordings/${ID}`],
    ['trailing dot', `/media/recordings/${ID}.mp4.`],
    ['uppercase uuid', `/media/recordings/${ID.toUpperCase()}.mp4`],
    ['uuid without dashes', `/media/recordings/${ID.replace(/-/g, '')}.mp4`],
    ['braced uuid', `/media/recordings/{${ID}}.mp4`],
    ['short uuid', `/media/recordings/${ID.slice(1)}.mp4`],
    ['non-hex uuid', `/media/recordings/${ID.replace('3', 'g')}.mp4`],
    ['not a uuid', '/media/recordings/latest.mp4'],
    ['trailing slash', `/media/recordings/${ID}.mp4/`],
    ['folder only', '/media/recordings/'],
    ['prefix only', '/media/'],
    ['absolute URL', `http://example.org/media/recordings/${ID}.mp4`],
    ['scheme-relative URL', `//example.org/media/recordings/${ID}.mp4`],
    ['NUL byte', `/media/recordings/${ID}.mp4\u0000`],
    ['NUL before extension', `/media/recordings/${ID}\u0000.mp4`],
    ['newline', `/media/recordings/${ID}.mp4\n`],
    ['tab', `/media/recordings/\t${ID}.mp4`],
    ['space', `/media/recordings/${ID}.mp4 `],
    ['DEL', `/media/recordings/${ID}.mp4\u007f`],
    ['non-ASCII', `/media/recordings/${ID}.mp4\u00e9`],
    ['fullwidth dot', `/media/recordings/${ID}\uff0emp4`],
    ['semicolon parameter', `/media/recordings/${ID}.mp4;x=1`],
    ['fragment', `/media/recordings/${ID}.mp4#x`],
    ['query before path', `?/media/recordings/${ID}.mp4`],
    ['empty string', ''],
    ['very long path', `/media/recordings/${'a/'.repeat(400)}${ID}.mp4`],
    ['very long query', `/media/recordings/${ID}.mp4?token=${'a'.repeat(5000)}`],
    // Track files: exactly {uuid}/TR_{base62}.ogg under the folder.
    ['track with mp4 extension', `/media/recordings/${ID}/${TRACK}.mp4`],
    ['track with uppercase extension', `/media/recordings/${ID}/${TRACK}.OGG`],
    ['track without extension', `/media/recordings/${ID}/${TRACK}`],
    ['track with double extension', `/media/recordings/${ID}/${TRACK}.ogg.ogg`],
    ['track id without TR_', `/media/recordings/${ID}/AMkq8Xz3Lw5N.ogg`],
    ['lowercase tr_', `/media/recordings/${ID}/tr_AMkq8Xz3Lw5N.ogg`],
    ['empty track id', `/media/recordings/${ID}/TR_.ogg`],
    ['track id with a dash', `/media/recordings/${ID}/TR_AMkq-8Xz3.ogg`],
    ['track id with a dot', `/media/recordings/${ID}/TR_AMkq.8Xz3.ogg`],
    ['track id with an encoded character', `/media/recordings/${ID}/TR_AMkq%41.ogg`],
    ['overlong track id', `/media/recordings/${ID}/TR_${'a'.repeat(65)}.ogg`],
    ['track under a composite name', `/media/recordings/${ID}.ogg/${TRACK}.ogg`],
    ['track of a non-uuid folder', `/media/recordings/latest/${TRACK}.ogg`],
    ['track under an uppercase uuid', `/media/recordings/${ID.toUpperCase()}/${TRACK}.ogg`],
    ['traversal from a track to a composite', `/media/recordings/${ID}/../${ID}.mp4`],
    ['traversal from a composite folder to another track', `/media/recordings/${ID}/../00000000-1111-4222-8333-444444444444/${TRACK}.ogg`],
    ['encoded slash between uuid and track', `/media/recordings/${ID}%2F${TRACK}.ogg`],
    ['doubled slash before the track', `/media/recordings/${ID}//${TRACK}.ogg`],
    ['track one level too deep', `/media/recordings/${ID}/x/${TRACK}.ogg`],
    ['track trailing slash', `/media/recordings/${ID}/${TRACK}.ogg/`],
    ['track folder only', `/media/recordings/${ID}/`],
  ];

  it.each(refused)('%s', (_label, url) => {
    expect(parseMediaPath(url, opts)).toBeNull();
  });

  it('refuses odd options instead of matching loosely', () => {
    const url = `/media/recordings/${ID}.mp4`;
    expect(parseMediaPath(url, { mediaUrlPrefix: '/media', outputFolder: 'recordings' })).toBeNull();
    expect(parseMediaPath(url, { mediaUrlPrefix: '', outputFolder: 'recordings' })).toBeNull();
    expect(parseMediaPath(`/media/../${ID}.mp4`, { mediaUrlPrefix: '/media/', outputFolder: '..' })).toBeNull();
    expect(parseMediaPath(`/media//${ID}.mp4`, { mediaUrlPrefix: '/media/', outputFolder: '' })).toBeNull();
    expect(parseMediaPath(url, undefined as never)).toBeNull();
  });

  it('refuses non-string input without throwing', () => {
    for (const junk of [undefined, null, 42, {}, [], Symbol('x'), () => 'x']) {
      expect(parseMediaPath(junk as never, opts)).toBeNull();
    }
  });

  it('never throws on 500 random strings and accepts none of them', () => {
    const ascii = fc.string({ maxLength: 200 });
    const unicode = fc.string({ unit: 'binary', maxLength: 200 });
    const pathish = fc
      .array(fc.constantFrom('/', 'media', 'recordings', '..', '.', '%2e', '%2F', '\\', ID, TRACK, 'TR_', '.mp4', '.ogg', '?', '&', '\u0000'), {
        maxLength: 12,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(ascii, unicode, pathish), (input) => {
        const result = parseMediaPath(input, opts);
        // The only accepted form is the exact one: anything accepted must rebuild the input's path.
        if (result !== null) expect(input.split('?')[0]).toBe(`/media/${result.key}`);
        expect(() => readDownloadTokenParam(input)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('readDownloadTokenParam', () => {
  const path = `/media/recordings/${ID}.mp4`;

  it('reads the token query parameter', () => {
    expect(readDownloadTokenParam(`${path}?token=${TOKEN}`)).toBe(TOKEN);
    expect(readDownloadTokenParam(`${path}?a=1&token=${TOKEN}&b=2`)).toBe(TOKEN);
  });

  it('returns null without a single well-formed token', () => {
    expect(readDownloadTokenParam(path)).toBeNull();
    expect(readDownloadTokenParam(`${path}?`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?xtoken=${TOKEN}`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=${TOKEN}&token=${TOKEN}`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=not-a-jwt`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=${TOKEN.replace('.', '%2E')}`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=${TOKEN}%00`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=${TOKEN}\u0000`)).toBeNull();
    expect(readDownloadTokenParam(`${path}?token=${'a'.repeat(3000)}.${'b'.repeat(3000)}.c`)).toBeNull();
    expect(readDownloadTokenParam(42 as never)).toBeNull();
  });
});

describe('readShareTokenParam', () => {
  const path = `/media/recordings/${ID}.mp4`;
  const share = newShareToken();

  it('reads exactly one share token of the shape the service issues', () => {
    expect(share).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readShareTokenParam(`${path}?share=${share}`)).toBe(share);
    expect(readShareTokenParam(`${path}?token=${TOKEN}&share=${share}`)).toBe(share);
  });

  it('refuses none, two, an empty, a short, a long, an encoded or a padded one', () => {
    for (const url of [
      path,
      `${path}?share=`,
      `${path}?share`,
      `${path}?share=${share}&share=${share}`,
      `${path}?share=${share.slice(1)}`,
      `${path}?share=${share}A`,
      `${path}?share=${share.slice(0, -1)}%41`,
      `${path}?share=${share.slice(0, -1)}=`,
      `${path}?sharex=${share}`,
      `${path}?share=${share}#x`,
    ]) {
      expect({ url, token: readShareTokenParam(url) }).toEqual({ url, token: null });
    }
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (tail) => {
      expect(() => readShareTokenParam(`${path}?${tail}`)).not.toThrow();
    }));
  });
});
