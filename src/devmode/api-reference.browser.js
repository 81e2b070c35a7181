// The API reference page (src/devmode/dev-pages.ts): Swagger UI over the service's OpenAPI document.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  window.SwaggerUIBundle({ url: root.getAttribute('data-url'), domNode: root, deepLinking: false });
})();
