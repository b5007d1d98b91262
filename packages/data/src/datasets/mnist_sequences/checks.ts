import type { CheckIssue } from '@xp/core';
import { DIGIT_SIZE } from '../../mnist/mnist-source.js';
import type { MnistSequencesConfig } from './schema.js';

type Check = (data: MnistSequencesConfig) => CheckIssue[];

/** `data.min_len` may not exceed `data.max_len`: lengths are drawn from min_len..max_len. */
const minMaxLen: Check = (data) =>
  data.min_len <= data.max_len
    ? []
    : [{ pointer: '/data/min_len', message: `data.min_len (${data.min_len}) is greater than data.max_len (${data.max_len}); lower data.min_len or raise data.max_len` }];

/** The canvas must fit `max_len` digit slots of 28 px with `spacing` pixels between neighbours. */
const canvasWidth: Check = (data) => {
  const needed = data.max_len * DIGIT_SIZE + (data.max_len - 1) * data.spacing;
  if (needed <= data.canvas.width) return [];
  return [
    {
      pointer: '/data/canvas/width',
      message:
        `data.canvas.width (${data.canvas.width}) is too narrow for data.max_len=${data.max_len} digits of ${DIGIT_SIZE} px ` +
        `with data.spacing=${data.spacing}: it needs at least ${needed}; set data.canvas.width to ${needed} or more, or lower data.max_len or data.spacing`,
    },
  ];
};

/** The canvas must be at least as tall as one digit. */
const canvasHeight: Check = (data) =>
  data.canvas.height >= DIGIT_SIZE
    ? []
    : [
        {
          pointer: '/data/canvas/height',
          message: `data.canvas.height (${data.canvas.height}) is smaller than a ${DIGIT_SIZE} px digit; set data.canvas.height to at least ${DIGIT_SIZE}`,
        },
      ];

/**
 * Validation sequences are drawn from the held-out digits, so asking for some with none held out cannot work.
 * (A run-time error once; `xp validate` reports it now, at the option.)
 */
const valDigits: Check = (data) =>
  data.val.count > 0 && data.val_fraction === 0
    ? [
        {
          pointer: '/data/val_fraction',
          message: `data.val.count is ${data.val.count} but data.val_fraction is 0, so there are no validation digits; set data.val_fraction above 0 or data.val.count to 0`,
        },
      ]
    : [];

/** Every cross-field rule of `mnist_sequences`, in this order. */
export function checkMnistSequences(data: MnistSequencesConfig): CheckIssue[] {
  return [minMaxLen, canvasWidth, canvasHeight, valDigits].flatMap((check) => check(data));
}
