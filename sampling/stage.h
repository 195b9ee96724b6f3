#pragma once
// A stage of the sampling chain: a small interface over the candidates of one step (llama.cpp's sampler shape).
// apply() runs once per token and allocates nothing; accept() sees every token that is emitted (for penalties);
// reset() forgets history; clone() gives an independent copy for another session.
#include <cstdint>
#include <memory>
#include <string>

#include "sampling/candidates.h"
#include "sampling/rng.h"
#include "sampling/sampler_kernels.h"

namespace edt {

struct SamplingContext {
  Rng& rng;
  StepReport& report;
  const SamplerKernels& kernels;  // the chain's ISA level
};

class SamplerStage {
 public:
  enum class Kind { Modify, Truncate, Select };  // changes values / removes candidates / picks the token

  virtual ~SamplerStage() = default;
  virtual std::string name() const = 0;
  virtual Kind kind() const = 0;
  virtual void apply(Candidates& c, SamplingContext& ctx) = 0;
  virtual void accept(int32_t /*token*/) {}
  virtual void reset() {}
  virtual std::unique_ptr<SamplerStage> clone() const = 0;
};

}  // namespace edt
