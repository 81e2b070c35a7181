import fs from 'node:fs';
import { probeMedia, testAudioOgg, testVideoMp4 } from './helpers/media';

// Smoke test of the ffmpeg media helper: real files with the codecs a browser plays.
jest.setTimeout(60_000);

test('the test MP4 is H.264 + AAC, 320x240, about 6 s, with its index before the media data', async () => {
  const video = await testVideoMp4();
  expect(fs.statSync(video.path).size).toBe(video.bytes.length);
  const probe = await probeMedia(video.path);
  expect(probe.durationSeconds).toBeGreaterThan(5.9);
  expect(probe.durationSeconds).toBeLessThan(6.2);
  expect(probe.streams).toEqual(
    expect.arrayContaining([
      { codecType: 'video', codecName: 'h264', width: 320, height: 240 },
      { codecType: 'audio', codecName: 'aac' },
    ]),
  );
  // +faststart: the moov atom comes before mdat, so a player can start from the first bytes.
  const moov = video.bytes.indexOf('moov');
  const mdat = video.bytes.indexOf('mdat');
  expect(moov).toBeGreaterThan(0);
  expect(moov).toBeLessThan(mdat);
});

test('the test OGG is Opus audio of about 4 s', async () => {
  const audio = await testAudioOgg();
  const probe = await probeMedia(audio.path);
  expect(probe.durationSeconds).toBeGreaterThan(3.9);
  expect(probe.durationSeconds).toBeLessThan(4.2);
  expect(probe.streams).toEqual([{ codecType: 'audio', codecName: 'opus' }]);
});

test('each file is made and read once per test file', async () => {
  const [a, b] = await Promise.all([testVideoMp4(), testVideoMp4()]);
  expect(a).toBe(b);
});
