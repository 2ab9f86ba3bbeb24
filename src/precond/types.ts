/** The shape every preconditioner has, built-in or user-supplied. */
export interface Preconditioner {
  /** 'adam', 'clip', … or a custom name. */
  readonly name: string;
  /** Resolved parameters, defaults filled in. */
  readonly params: Readonly<Record<string, number>>;
  /** K(G) = h(‖G‖) for a convex h. */
  readonly isotropic: boolean;
  /** ∇K(G) = G·M for a k×k matrix M: updates stay in the row space of X, so the limit is the GD limit. */
  readonly preservesRowSpace: boolean;
  /** Carries state between iterations (real Adam): outside the dual-space theory. */
  readonly stateful: boolean;
  /** Present when these parameters are outside the dual-space theory: the reason (power with p < 2, real Adam). */
  readonly outsideTheory?: string;
  /** Built-ins: the WASM id and the packed parameters for precondGrad/precondValue (first) and precondStep (all). */
  readonly wasm?: { readonly id: number; readonly params: Float64Array };
  /** Real Adam's moment parameters (present when stateful). */
  readonly adam?: { readonly beta1: number; readonly beta2: number; readonly eps: number };
  /** Custom: write ∇K(G) into out. G and out are d×k row-major views into WASM memory: do not keep them. */
  readonly gradK?: (G: Float64Array, out: Float64Array, d: number, k: number) => void;
  /** K(G), optional for custom ones (the Bregman trace needs it). */
  readonly K?: (G: Float64Array, d: number, k: number) => number;
  /** The spec string, e.g. 'adam:eps=0.05'. */
  toString(): string;
}
