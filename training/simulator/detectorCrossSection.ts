/**
 * Annular-detector scattering cross-section of one atom: how many electrons of the beam an atom
 * sends onto the detector (sigma, pm^2; the detected fraction for a probe centred on the atom is
 * sigma * P(0)). Screened Rutherford (Wentzel) elastic scattering in the first Born approximation:
 *   dsigma/dOmega = 4 gamma^2 Z^2 / (a0^2 k^4 (theta^2 + theta0^2)^2),  theta0 = lambda / (2 pi R),
 *   R = 0.885 a0 Z^(-1/3)  (Thomas-Fermi screening radius),
 *   sigma(theta1, theta2) = 4 pi gamma^2 Z^2 / (a0^2 k^4) [1/(theta1^2 + theta0^2) - 1/(theta2^2 + theta0^2)],
 * k = 2 pi / lambda, gamma = 1 + E / (m0 c^2) (Reimer & Kohl, Transmission Electron Microscopy, 5th
 * ed., 2008, sec. 5.1). The simulator uses it only for carbon, to put the image in detected
 * electrons; other elements scale as (Z / 6)^n (training/simulator/atomModel.ts). Thermal diffuse scattering
 * and channelling are neglected, so the value is an order-of-magnitude figure (about 8 pm^2 for C at
 * 60 kV on an 80-200 mrad detector).
 */
import { AtomdynError } from '../../data/errors.ts';
import { electronWavelengthPm } from './probe.ts';

/** Bohr radius, pm. */
const A0_PM = 52.9177;

/**
 * Cross-section (pm^2) for scattering into the annulus [innerMrad, outerMrad].
 * @throws AtomdynError('detector') when the angles are not 0 <= inner < outer
 */
export function annularCrossSectionPm2(z: number, voltageKv: number, innerMrad: number, outerMrad: number): number {
  if (!(innerMrad >= 0 && outerMrad > innerMrad)) {
    throw AtomdynError.forOption('detector', `detector angles must satisfy 0 <= inner < outer (mrad), got ${innerMrad}-${outerMrad}`);
  }
  const lambda = electronWavelengthPm(voltageKv);
  const k = (2 * Math.PI) / lambda;
  const gamma = 1 + voltageKv / 510.999;
  const R = 0.885 * A0_PM * Math.pow(z, -1 / 3);
  const theta0 = lambda / (2 * Math.PI * R);
  const t1 = innerMrad / 1000;
  const t2 = outerMrad / 1000;
  const pre = (4 * Math.PI * gamma * gamma * z * z) / (A0_PM * A0_PM * k ** 4);
  return pre * (1 / (t1 * t1 + theta0 * theta0) - 1 / (t2 * t2 + theta0 * theta0));
}
