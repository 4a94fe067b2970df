#pragma once
// Data-parallel training across processes (torch's DistributedDataParallel, by hand): every rank
// holds a full replica, reads its own shard of each batch (data::LoaderOptions rank/world_size),
// and after backward the gradients are averaged, so each rank takes the same optimizer step that
// one process would take on the global batch. Without SyncBatchNorm each rank's BatchNorm layers
// normalise with, and keep running statistics of, their own shard only (as in torch DDP).
//
//   ProcessGroup& pg = ProcessGroup::world();
//   broadcast_module(model, pg);            // identical replicas from rank 0
//   convert_sync_batchnorm(model, pg);      // optional: statistics over the global batch
//   ... loss.backward(); allreduce_gradients(model.parameters(), pg); optimizer.step();
#include <functional>
#include <vector>

#include "nn/distributed/process_group.h"
#include "nn/distributed/sync_batch_norm.h"
#include "nn/module.h"

namespace autost::nn {

// Copies every parameter and buffer of `root` into the same tensors on all ranks (parameters and
// buffers must match in order, dtype and shape across ranks, else one autost::Error on every rank).
void broadcast_module(Module& module, ProcessGroup& group, int root = 0);
// The buffers alone (BatchNorm's running statistics, which ranks without SyncBatchNorm keep apart):
// before an evaluation, so every rank evaluates the model that `root` saves. torch's DDP does this
// before every forward (broadcast_buffers=True).
void broadcast_buffers(Module& module, ProcessGroup& group, int root = 0);

// Replaces each gradient of `params` (those that require grad) by its mean over the ranks, in a
// fixed order: per (dtype, device), in order of first appearance, the gradients are copied into one
// flat bucket, so a step costs one all-reduce per bucket (one for a single-dtype model; plus the
// group's 96-byte description exchange). A missing gradient counts as zero; a parameter without a
// gradient on every rank keeps none. A no-op in a single-process group.
void allreduce_gradients(const std::vector<Tensor>& params, ProcessGroup& group);

// Runs `fn` on every rank; when it throws an autost::Error on any rank, it throws on all of them
// (the failing rank its own error, the others one naming the failed ranks), so that no rank goes on
// to wait in a collective for a rank that has given up. For setup steps that can fail on one rank
// only (a file one node cannot read). One small collective.
void all_ranks_or_none(ProcessGroup& group, const std::function<void()>& fn);

// Puts every BatchNorm of `module` in synchronised mode over `group` (training statistics over all
// ranks: sync_batch_norm.h); returns how many were converted. The group must outlive the module.
int convert_sync_batchnorm(Module& module, ProcessGroup& group);

}  // namespace autost::nn
