import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The page's browser scripts (page-script.browser.js, then page-artifacts.browser.js; plain ES5-style JavaScript: the project compiles
 * no front-end code). Read once; inlined into every page with the response's CSP nonce. A
 * `</script` inside it would end the element early, so that is refused here.
 */
export const PAGE_SCRIPT: string = (() => {
  const source = ['page-script.browser.js', 'page-artifacts.browser.js'].map((file) => readFileSync(path.join(__dirname, file), 'utf8')).join('\n');
  if (/<\/script/i.test(source) || source.includes('<!--')) throw new Error('the page scripts must not contain </script or <!--');
  return source;
})();
