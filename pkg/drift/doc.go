// Package drift compares a current column profile with a reference profile
// and decides, per column and for the dataset, whether the data has drifted.
//
// Each statistic is one small Method: Kolmogorov-Smirnov and chi-square for
// small samples (judged by p-value, as SciPy computes them), normed
// Wasserstein, Jensen-Shannon distance and PSI for large ones (judged by
// effect size, since p-values shrink with n). Null rates and unseen
// categories are judged separately, and the share of drifted columns decides
// the dataset's verdict. The package computes and returns evidence; it never
// prints.
package drift
