/**
 * Bessel functions for the radially symmetric probe (Hankel transforms) and radial Gaussian blur,
 * by the polynomial approximations of Abramowitz & Stegun, Handbook of Mathematical Functions (1964):
 * J0, J1 by 9.4.1-9.4.6 (absolute error < 5e-8 for |x| <= 3, < 1.6e-8 relative to the asymptotic
 * amplitude beyond), and the exponentially scaled I0 by 9.8.1-9.8.2 (relative error < 2e-7).
 */

/** Bessel function of the first kind, order 0. */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 3) {
    const y = (x / 3) * (x / 3);
    return 1 + y * (-2.2499997 + y * (1.2656208 + y * (-0.3163866 + y * (0.0444479 + y * (-0.0039444 + y * 0.00021)))));
  }
  const y = 3 / ax;
  const f0 = 0.79788456 + y * (-0.00000077 + y * (-0.0055274 + y * (-0.00009512 + y * (0.00137237 + y * (-0.00072805 + y * 0.00014476)))));
  const t0 = ax - 0.78539816 + y * (-0.04166397 + y * (-0.00003954 + y * (0.00262573 + y * (-0.00054125 + y * (-0.00029333 + y * 0.00013558)))));
  return (f0 * Math.cos(t0)) / Math.sqrt(ax);
}

/** Bessel function of the first kind, order 1. */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 3) {
    const y = (x / 3) * (x / 3);
    return x * (0.5 + y * (-0.56249985 + y * (0.21093573 + y * (-0.03954289 + y * (0.00443319 + y * (-0.00031761 + y * 0.00001109))))));
  }
  const y = 3 / ax;
  const f1 = 0.79788456 + y * (0.00000156 + y * (0.01659667 + y * (0.00017105 + y * (-0.00249511 + y * (0.00113653 + y * -0.00020033)))));
  const t1 = ax - 2.35619449 + y * (0.12499612 + y * (0.0000565 + y * (-0.00637879 + y * (0.00074348 + y * (0.00079824 + y * -0.00029166)))));
  const v = (f1 * Math.cos(t1)) / Math.sqrt(ax);
  return x < 0 ? -v : v;
}

/** exp(-|x|) I0(x): the modified Bessel function of order 0, scaled so it stays finite for large x. */
export function besselI0Scaled(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 3.75) {
    const y = (x / 3.75) * (x / 3.75);
    return Math.exp(-ax) * (1 + y * (3.5156229 + y * (3.0899424 + y * (1.2067492 + y * (0.2659732 + y * (0.0360768 + y * 0.0045813))))));
  }
  const y = 3.75 / ax;
  return (
    (0.39894228 + y * (0.01328592 + y * (0.00225319 + y * (-0.00157565 + y * (0.00916281 + y * (-0.02057706 + y * (0.02635537 + y * (-0.01647633 + y * 0.00392377)))))))) /
    Math.sqrt(ax)
  );
}
