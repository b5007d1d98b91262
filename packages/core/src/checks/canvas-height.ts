import { MNIST_DIGIT_PX, type ConfigCheck } from './check.js';

/** The canvas must be at least as tall as one digit. */
export const checkCanvasHeight: ConfigCheck = ({ data }) =>
  data.canvas.height >= MNIST_DIGIT_PX
    ? []
    : [
        {
          pointer: '/data/canvas/height',
          message: `data.canvas.height (${data.canvas.height}) is smaller than a ${MNIST_DIGIT_PX} px digit; set data.canvas.height to at least ${MNIST_DIGIT_PX}`,
        },
      ];
