import { MNIST_DIGIT_PX, type ConfigCheck } from './check.js';

/** The canvas must fit `max_len` digit slots of 28 px with `spacing` pixels between neighbours. */
export const checkCanvasWidth: ConfigCheck = ({ data }) => {
  const needed = data.max_len * MNIST_DIGIT_PX + (data.max_len - 1) * data.spacing;
  if (needed <= data.canvas.width) return [];
  return [
    {
      pointer: '/data/canvas/width',
      message:
        `data.canvas.width (${data.canvas.width}) is too narrow for data.max_len=${data.max_len} digits of ${MNIST_DIGIT_PX} px ` +
        `with data.spacing=${data.spacing}: it needs at least ${needed}; set data.canvas.width to ${needed} or more, or lower data.max_len or data.spacing`,
    },
  ];
};
