export {
  factorRowSpace,
  gdLimit,
  interpolationTolerance,
  type RowSpaceFactor,
  type GdLimit,
} from './row-space.js';
