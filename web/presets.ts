/**
 * One-click experiments for the theory's predictions and its edges (spec: "What the theory
 * predicts"). Each is a complete set of settings (defaults plus the changes below), so a
 * preset's run is also a link.
 */
import { defaultSettings, type Settings } from './settings.js';

export interface Preset {
  id: string;
  title: string;
  /** What to look at, in one sentence (shown under the buttons when chosen). */
  expect: string;
  changes: Partial<Omit<Settings, 'pc'>>;
  /** The ticked preconditioners with their parameter sets; all others unticked. */
  pc: Record<string, string>;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'isotropic', title: 'Isotropic → on W_GD∞',
    expect: 'Isotropic maps (gd, normalized, clip, power) only rescale the gradient: every run ends on W_GD∞, c = 1 at every learning rate.',
    changes: { lrs: '1*auto, 0.5*auto' },
    pc: { gd: '', normalized: 'eps=0.1', clip: 'c=0.5', power: 'p=2.2' },
  },
  {
    id: 'elementwise', title: 'Elementwise → off W_GD∞',
    expect: 'Elementwise and row-wise maps (adam, sign, clip-elementwise, rownorm) leak into the null space of X: generically another interpolant, c > 1.',
    changes: { lrs: '1*auto, 0.5*auto' },
    pc: { adam: 'eps=0.1', sign: 'eps=0.1', 'clip-elementwise': 'c=0.05', rownorm: 'eps=0.1' },
  },
  {
    id: 'rowspace', title: 'Row space preserved → on W_GD∞',
    expect: 'colnorm and spectral are not isotropic, but ∇K(G) = G·M keeps every update in the row space of X: they land on W_GD∞ like gd.',
    changes: { lrs: '1*auto, 0.5*auto' },
    pc: { gd: '', colnorm: 'eps=0.1', spectral: 'eps=0.1' },
  },
  {
    id: 'padded', title: 'X = [T 0]: elementwise on W_GD∞ too',
    expect: 'The row space of X = [T 0] is a coordinate subspace and elementwise maps send 0 to 0, so adam and sign stay in it and land on W_GD∞ as well: the prediction "off W_GD∞" is generic, not certain.',
    changes: { kind: 'padded', n: '20', d: '60', k: '1', lrs: '1*auto, 0.5*auto' },
    pc: { gd: '', adam: 'eps=0.1', sign: 'eps=0.1' },
  },
  {
    id: 'illcond', title: 'Ill-conditioned X',
    expect: 'X with singular values from 1 down to 1/300 (κ(XXᵀ) = 9·10⁴): the page warns before the run, and runs that stop at max iterations are "not converged", not limits.',
    changes: { kind: 'spectrum', n: '30', d: '90', k: '1', cond: '300', lrs: '1*auto', maxIter: '20000' },
    pc: { gd: '', adam: 'eps=0.1' },
  },
  {
    id: 'tall', title: 'd < n: no interpolant',
    expect: 'More samples than features: generically no W fits the data exactly, the interpolation theory does not apply, and runs end at a minimizer of the loss.',
    changes: { n: '120', d: '40', k: '1', lrs: '1*auto' },
    pc: { gd: '', spectral: 'eps=0.1', adam: 'eps=0.1' },
  },
  {
    id: 'adam', title: 'Real Adam vs β = 0',
    expect: 'adam with beta1 = beta2 = 0 is the stateless map g/(|g| + ε) of the theory; real Adam (β₁ = 0.9, β₂ = 0.999) carries moments and is outside it: no prediction, only measurements.',
    changes: { n: '30', d: '90', k: '1', lrs: '0.5*auto', maxIter: '100000' },
    pc: { gd: '', adam: 'eps=0.1; eps=0.1,beta1=0.9,beta2=0.999' },
  },
];

export function presetSettings(p: Preset): Settings {
  const s = { ...defaultSettings(), ...p.changes };
  for (const [name, pc] of Object.entries(s.pc)) s.pc[name] = { on: name in p.pc, params: p.pc[name] ?? pc.params };
  return s;
}
