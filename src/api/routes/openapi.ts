import { Router } from 'express';
import { buildOpenApiDocument } from '../openapi/document';

/** GET /api/v1.0/openapi.json: built once, from the request/response schemas. */
export function openapiRouter(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());
  router.get('/api/v1.0/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  return router;
}
