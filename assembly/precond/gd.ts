// gd: ∇K(G) = G, K(G) = ½‖G‖². Plain gradient descent.
import { sumsq } from "../kernels/dot";

export function gdGrad(len: i32, G: usize, P: usize): void {
  memory.copy(P, G, <usize>len << 3);
}

export function gdValue(len: i32, G: usize): f64 {
  return 0.5 * sumsq(len, G);
}
