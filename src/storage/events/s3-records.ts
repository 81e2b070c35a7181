import { z } from 'zod';

/** The part of the S3 event notification format (shared by MinIO and AWS) that the service reads. */
export const s3EventBody = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string().min(1).max(200),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1).max(255) }),
          object: z.object({
            key: z.string().min(1).max(2048),
            contentType: z.string().max(255).optional(),
          }),
        }),
      }),
    )
    .min(1)
    .max(100),
});

export type S3EventBody = z.infer<typeof s3EventBody>;
