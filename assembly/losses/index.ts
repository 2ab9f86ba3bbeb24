// Loss table, dispatched by the ids declared in abi.ts.
import { LOSS_SQUARED, LOSS_HUBER, LOSS_LOGCOSH, LOSS_LP } from "../abi";
import { squaredValue, squaredGrad } from "./squared";
import { huberValue, huberGrad } from "./huber";
import { logcoshValue, logcoshGrad } from "./logcosh";
import { lpValue, lpGrad } from "./lp";

/**
 * Applies the loss to one row of residuals r[0..k) (f64 at `r`), writes
 * scale·∇ℓ(r) to `g[0..k)` and returns scale·Σ ℓ(r). `scale` is 1 (sum) or 1/n (mean).
 * The switch sits outside the element loop so each loop body is branch-free.
 */
export function lossRow(id: i32, param: f64, r: usize, g: usize, k: i32, scale: f64): f64 {
  let s: f64 = 0;
  switch (id) {
    case LOSS_SQUARED: {
      for (let c = 0; c < k; c++) {
        const v = load<f64>(r + (<usize>c << 3));
        s += squaredValue(v);
        store<f64>(g + (<usize>c << 3), scale * squaredGrad(v));
      }
      break;
    }
    case LOSS_HUBER: {
      for (let c = 0; c < k; c++) {
        const v = load<f64>(r + (<usize>c << 3));
        s += huberValue(v, param);
        store<f64>(g + (<usize>c << 3), scale * huberGrad(v, param));
      }
      break;
    }
    case LOSS_LOGCOSH: {
      for (let c = 0; c < k; c++) {
        const v = load<f64>(r + (<usize>c << 3));
        s += logcoshValue(v);
        store<f64>(g + (<usize>c << 3), scale * logcoshGrad(v));
      }
      break;
    }
    case LOSS_LP: {
      for (let c = 0; c < k; c++) {
        const v = load<f64>(r + (<usize>c << 3));
        s += lpValue(v, param);
        store<f64>(g + (<usize>c << 3), scale * lpGrad(v, param));
      }
      break;
    }
    // An unknown id is a caller bug (ids come from src/losses): trap rather than run some loss.
    default: unreachable();
  }
  return scale * s;
}

/** Loss value and gradient over a whole n×k residual matrix (for tests and the reference path). */
export function lossEval(id: i32, param: f64, R: usize, Gout: usize, n: i32, k: i32, scale: f64): f64 {
  let s: f64 = 0;
  const rowBytes = <usize>k << 3;
  for (let i = 0; i < n; i++) {
    s += lossRow(id, param, R + <usize>i * rowBytes, Gout + <usize>i * rowBytes, k, scale);
  }
  return s;
}
