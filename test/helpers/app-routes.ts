import type { Express } from 'express';

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every (method, path) the Express app routes, read from its router stack. */
export function appRoutes(app: Express): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const walk = (stack: LayerLike[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on) found.push({ method, path });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack);
  return found;
}

/** `/a/:id/b/` and `/a/{id}/b` compare equal. */
export function normalizePath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/+$/, '') || '/';
}
