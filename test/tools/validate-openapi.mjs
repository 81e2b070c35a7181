// Validates the OpenAPI document read from stdin with @apidevtools/swagger-parser (an ES module,
// hence this separate script: jest runs the tests as CommonJS). Exit 0 when valid.
import SwaggerParser from '@apidevtools/swagger-parser';

let text = '';
for await (const chunk of process.stdin) text += chunk;
try {
  await SwaggerParser.validate(JSON.parse(text));
  console.log('valid');
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
