// The `data:` section of `type: image_folder`: a folder of images, one sub-folder per class.
import { FloatRange, PositiveInt, PositiveNumber, StringOptions, Strict, Type, type Static } from '@xp/core';

/** Options of the `image_folder` dataset type. */
export const ImageFolderSchema = Strict(
  {
    path: Type.String({
      minLength: 1,
      description:
        'Folder of images, relative to the experiment file: one sub-folder per class (sorted names are the classes), ' +
        'or train/ val/ test/ folders of those. PNG, JPEG, BMP and GIF (first frame).',
    }),
    manifest: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'CSV of `path,label` rows (header optional; paths relative to `path`) naming the images and their classes instead of sub-folders.',
      }),
    ),
    image: Strict(
      {
        height: PositiveInt({ description: 'Height every image is resized to, in pixels.' }),
        width: PositiveInt({ description: 'Width every image is resized to, in pixels.' }),
        channels: Type.Union([Type.Literal(1), Type.Literal(3)], {
          description: '1: grayscale, 3: RGB. Images are converted (RGB → luma, gray → 3 copies, alpha dropped).',
          default: 3,
        }),
      },
      { description: 'The size and colour the model sees.' },
    ),
    resize: StringOptions(['pad', 'crop'] as const, {
      description:
        '`pad` (default): scale the whole image to fit, then pad the rest with black (nothing is cut off, the aspect ratio is kept). ' +
        '`crop`: scale to cover, then cut the centre.',
      default: 'pad',
    }),
    val_fraction: FloatRange(0, 0.5, {
      description: 'Share of each class held out (seeded) as validation when there is no val/ folder; 0 disables validation.',
      default: 0.1,
    }),
    test_fraction: FloatRange(0, 0.5, {
      description: 'Share of each class held out (seeded) as the test split when there is no test/ folder.',
      default: 0.1,
    }),
    normalize: Type.Optional(
      Strict(
        {
          mean: Type.Array(Type.Number(), { minItems: 1, maxItems: 3, description: 'Per-channel mean of [0,1] pixels (one value, or one per channel).' }),
          std: Type.Array(PositiveNumber({ description: 'std' }), { minItems: 1, maxItems: 3, description: 'Per-channel std (one value, or one per channel).' }),
        },
        { description: 'Pixel normalisation. Omit to compute per-channel mean/std on the training split.' },
      ),
    ),
    on_bad_file: StringOptions(['error', 'skip'] as const, {
      description: '`error`: an unreadable or corrupt image stops the run (exit 2, file named). `skip`: leave it out and log how many were skipped.',
      default: 'error',
    }),
    max_images: PositiveInt({ description: 'Refuse folders with more images than this (they would not fit in memory).', default: 100000 }),
    max_memory_mb: PositiveInt({ description: 'Refuse when the decoded images (float32, all splits) would take more than this many MB.', default: 2048 }),
  },
  { description: 'Images in class folders (or listed in a manifest), decoded by TensorFlow and resized.' },
);

/** A resolved `data:` section of type `image_folder`. */
export type ImageFolderConfig = Static<typeof ImageFolderSchema> & { type: 'image_folder' };
