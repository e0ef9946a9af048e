# Reference values for test/simulatorProbe.test.ts (Bessel functions), from scipy.special.
# Run: python3 test/reference/simulatorBessel.py
from scipy.special import j0, j1, i0e
print("j0", [repr(float(j0(x))) for x in (1, 2.5, 5, 12.3)])
print("j1", [repr(float(j1(x))) for x in (1, -2, 7.7)])
print("i0e", [repr(float(i0e(x))) for x in (0.5, 3, 10)])
