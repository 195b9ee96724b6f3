// AVX2 + FMA versions of the fused EDT passes. exp is a vectorised Cephes-style approximation (relative error
// ~2e-7 over the range used), written here because glibc has no vector exp we can rely on.
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "sampling/fused_edt.h"

namespace edt {
namespace {

// e^x for x <= 0 (inputs below -87 flush to 0, -inf gives 0).
inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.3f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps(x, lo);
  // e^x = 2^k · e^r with k = round(x / ln2), r = x - k·ln2 in [-ln2/2, ln2/2]
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2 = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(pow2));
  return _mm256_andnot_ps(under, y);
}

inline float hsum(__m256 v) {
  __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_add_ps(a, _mm_movehl_ps(a, a));
  a = _mm_add_ss(a, _mm_movehdup_ps(a));
  return _mm_cvtss_f32(a);
}

inline float hmax(__m256 v) {
  __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_max_ps(a, _mm_movehl_ps(a, a));
  a = _mm_max_ss(a, _mm_movehdup_ps(a));
  return _mm_cvtss_f32(a);
}

}  // namespace

EntropyStats entropy_stats_avx2(const float* z, size_t n) {
  EntropyStats st;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  __m256 m0 = _mm256_set1_ps(neg_inf), m1 = m0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(z + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(z + i + 8));
  }
  float max = hmax(_mm256_max_ps(m0, m1));
  for (; i < n; ++i) max = std::max(max, z[i]);
  st.max = max;
  for (size_t j = 0; j < n; ++j)  // the first index holding the max (cheap: stops early on average halfway)
    if (z[j] == max) {
      st.argmax = static_cast<int32_t>(j);
      break;
    }
  // s and t in four float accumulators per lane; masked (-inf) tokens give e = 0 and d = -inf, so e·d is NaN:
  // the blend drops it.
  const __m256 vmax = _mm256_set1_ps(max), zero = _mm256_setzero_ps();
  __m256 s0 = zero, s1 = zero, t0 = zero, t1 = zero;
  i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(z + i), vmax);
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(z + i + 8), vmax);
    const __m256 e0 = exp_nonpositive(d0), e1 = exp_nonpositive(d1);
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
    t0 = _mm256_add_ps(t0, _mm256_and_ps(_mm256_cmp_ps(e0, zero, _CMP_NEQ_OQ), _mm256_mul_ps(e0, d0)));
    t1 = _mm256_add_ps(t1, _mm256_and_ps(_mm256_cmp_ps(e1, zero, _CMP_NEQ_OQ), _mm256_mul_ps(e1, d1)));
  }
  double s = static_cast<double>(hsum(_mm256_add_ps(s0, s1))), t = static_cast<double>(hsum(_mm256_add_ps(t0, t1)));
  for (; i < n; ++i) {
    const double d = static_cast<double>(z[i]) - max;
    if (d == -std::numeric_limits<double>::infinity()) continue;
    const double e = std::exp(d);
    s += e;
    t += e * d;
  }
  st.sum_exp = s;
  st.entropy = std::max(0.0, std::log(s) - t / s);
  return st;
}

int32_t draw_at_temperature_avx2(const float* z, size_t n, float max, double temperature, double u, float* w,
                                 double* probability) {
  const __m256 vmax = _mm256_set1_ps(max), inv_t = _mm256_set1_ps(static_cast<float>(1.0 / temperature));
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 e0 = exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(z + i), vmax), inv_t));
    const __m256 e1 = exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(z + i + 8), vmax), inv_t));
    _mm256_storeu_ps(w + i, e0);
    _mm256_storeu_ps(w + i + 8, e1);
    acc0 = _mm256_add_ps(acc0, e0);
    acc1 = _mm256_add_ps(acc1, e1);
  }
  double total = static_cast<double>(hsum(_mm256_add_ps(acc0, acc1)));
  for (; i < n; ++i) {
    w[i] = static_cast<float>(std::exp((static_cast<double>(z[i]) - max) / temperature));
    total += w[i];
  }
  // Inverse CDF: skip whole blocks of 16 while their sum stays below the target, then walk the block.
  const double target = u * total;
  double cum = 0;
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const double block = static_cast<double>(hsum(_mm256_add_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(w + j + 8))));
    if (cum + block > target) break;
    cum += block;
  }
  int32_t last_nonzero = -1;
  for (; j < n; ++j) {
    if (w[j] == 0.0f) continue;
    last_nonzero = static_cast<int32_t>(j);
    cum += w[j];
    if (cum > target) {
      if (probability) *probability = w[j] / total;
      return static_cast<int32_t>(j);
    }
  }
  // Rounding left the running sum a hair short of the target: the last token with any weight.
  if (last_nonzero < 0)
    for (size_t k = n; k-- > 0;)
      if (w[k] != 0.0f) {
        last_nonzero = static_cast<int32_t>(k);
        break;
      }
  if (probability) *probability = w[last_nonzero] / total;
  return last_nonzero;
}

}  // namespace edt
