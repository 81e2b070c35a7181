import { z } from 'zod';

/**
 * One concern's settings: the environment variables it reads (a zod shape, so the names can be
 * listed), the rules that span several of them, and the typed settings it produces. The type of
 * each concern's settings is inferred from its transform: there is no hand-written twin.
 */
export interface Concern<Shape extends z.ZodRawShape, Out> {
  shape: Shape;
  schema: z.ZodType<Out>;
}

export function concern<Shape extends z.ZodRawShape, Out>(
  shape: Shape,
  build: (env: z.output<z.ZodObject<Shape>>, ctx: z.RefinementCtx) => Out,
): Concern<Shape, Out> {
  const schema = z.object(shape).transform((env, ctx) => build(env as z.output<z.ZodObject<Shape>>, ctx));
  return { shape, schema: schema as unknown as z.ZodType<Out> };
}
