import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The page's browser script (page-script.browser.js, plain ES5-style JavaScript: the project compiles
 * no front-end code). Read once; inlined into every page with the response's CSP nonce. A
 * `</script` inside it would end the element early, so that is refused here.
 */
export const PAGE_SCRIPT: string = (() => {
  const source = readFileSync(path.join(__dirname, 'page-script.browser.js'), 'utf8');
  if (/<\/script/i.test(source) || source.includes('<!--')) throw new Error('page-script.browser.js must not contain </script or <!--');
  return source;
})();
