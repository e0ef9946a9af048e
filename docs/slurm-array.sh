#!/usr/bin/env bash
# Analyse every movie of a manifest on a Slurm cluster as a job array, then pool them.
#
#   N=16                                   # number of array tasks (shards)
#   sbatch --array=0-$((N-1)) --export=ALL,MANIFEST=movies.csv,ROOT=runs,SHARDS=$N docs/slurm-array.sh
#   # when every task has finished (or: sbatch --dependency=afterok:<jobid> ...):
#   atomdyn merge runs --out pooled
#
# Task I runs `atomdyn analyze --manifest movies.csv --shard I/N --out ROOT`: the manifest rows k with
# k mod N = I (data/shard.ts), so the N tasks together analyse every movie exactly once. Each movie
# goes into ROOT/<id>/, committed whole or not at all; a movie whose run is complete is skipped, so a
# task that was pre-empted or timed out is simply resubmitted (sbatch --array=<I> ...) and finishes
# only its missing movies. ROOT must be on a file system every node sees (e.g. /scratch).
#
#SBATCH --job-name=atomdyn
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=atomdyn-%A_%a.log
set -euo pipefail
: "${MANIFEST:?set MANIFEST=movies.csv (sbatch --export=ALL,MANIFEST=...)}"
: "${ROOT:?set ROOT=the output root folder}"
: "${SHARDS:?set SHARDS=N, the size of --array=0-(N-1)}"
: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-$((SHARDS-1))}"
# Node 20 and atomdyn on PATH (e.g. module load nodejs/20; npm install -g atomdyn)
exec atomdyn analyze --manifest "$MANIFEST" --out "$ROOT" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
  --workers "${SLURM_CPUS_PER_TASK:-1}" ${ATOMDYN_FLAGS:-}
