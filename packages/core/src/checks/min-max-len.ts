import type { ConfigCheck } from './check.js';

/** `data.min_len` may not exceed `data.max_len`: lengths are drawn from min_len..max_len. */
export const checkMinMaxLen: ConfigCheck = ({ data }) =>
  data.min_len <= data.max_len
    ? []
    : [
        {
          pointer: '/data/min_len',
          message: `data.min_len (${data.min_len}) is greater than data.max_len (${data.max_len}); lower data.min_len or raise data.max_len`,
        },
      ];
