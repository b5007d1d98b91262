// What a run says about the layers its native training step could not run: one log line at the start of training
// and the value of the run's `xp.tfjs_layers` tag, from training-forward.ts's tfjsLayerClasses.

/** The log line and the `xp.tfjs_layers` tag for the layer classes that run on tfjs kernels (null: all of them). */
export function tfjsLayersReport(classes: string[] | null): { line: string; tag: string } {
  if (classes === null) {
    return {
      line: 'training step: every layer on tfjs kernels (no native TensorFlow ops: the backend is not tensorflow, or XP_NATIVE_KERNELS=0)',
      tag: 'all',
    };
  }
  if (classes.length === 0) return { line: 'training step: every layer on native TensorFlow kernels', tag: 'none' };
  return {
    line: `training step: ${classes.join(', ')} layers on tfjs kernels (no native op for their settings), the rest on native TensorFlow kernels`,
    tag: classes.join(','),
  };
}
