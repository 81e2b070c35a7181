import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The library page's browser script (library-script.browser.js), read once and inlined with the CSP nonce. */
export const LIBRARY_SCRIPT: string = (() => {
  const source = readFileSync(path.join(__dirname, 'library-script.browser.js'), 'utf8');
  if (/<\/script/i.test(source) || source.includes('<!--')) throw new Error('library-script.browser.js must not contain </script or <!--');
  return source;
})();
