#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_cluster.sh - the cluster recipes of docs/CLUSTER.md, as far as one
# machine allows: the Kubernetes Indexed Job (docs/cluster/
# simulate-job.yaml) parses, is an Indexed Job with one completion per
# shard, runs the shard of its completion index and asks for the
# capabilities BPF_PROG_TEST_RUN needs; the Slurm array job (docs/cluster/
# simulate.sbatch) has one task per shard and runs the shard of its task
# id. Then each file's own command runs here once per index, with the
# index variable set as the cluster would set it, and `merge` of the
# partials must print, byte for byte, what `simulate --runs N` prints on
# this machine.
#
# To keep the test short, the manifests' ARGS (what to simulate) are
# replaced by the small test scenario and one policy; RUNS, SHARDS, JOBS
# and the commands are the files' own.
#
# usage: tests/e2e/test_cluster.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd) # the manifests' commands find it on PATH
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

JOB=docs/cluster/simulate-job.yaml
SBATCH=docs/cluster/simulate.sbatch
TEST_ARGS="--scenario $E2E/scenarios/small.scenario --policy policies/telegram-2018.policy"

TMP=$(mktemp -d "/tmp/brcluster$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# ---- the Kubernetes Job: parsed with python3-yaml ---------------------------

# Prints shell assignments of what the test needs from the manifest, or
# fails with why the file is not a usable Indexed Job.
job_facts() {
	python3 - "$1" <<'PY'
import shlex, sys, yaml

docs = list(yaml.safe_load_all(open(sys.argv[1])))
job = docs[0] if len(docs) == 1 else {}
spec = job.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
ctrs = pod.get("containers", [])
c = ctrs[0] if len(ctrs) == 1 else {}
env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
cmd = c.get("command", [])
sc = c.get("securityContext", {})
caps = sc.get("capabilities", {}).get("add", [])
mounts = [m.get("mountPath") for m in c.get("volumeMounts", [])]
facts = {
    "DOCS": len(docs),
    "API": job.get("apiVersion", ""),
    "KIND": job.get("kind", ""),
    "MODE": spec.get("completionMode", ""),
    "COMPLETIONS": spec.get("completions", ""),
    "PARALLELISM": spec.get("parallelism", ""),
    "RESTART": pod.get("restartPolicy", ""),
    "CONTAINERS": len(ctrs),
    "SHELL": " ".join(cmd[:2]),
    "SCRIPT": cmd[2] if len(cmd) == 3 else "",
    "CAPS": " ".join(sorted(caps)),
    "PRIVILEGED": str(sc.get("privileged", False)).lower(),
    "MOUNTS": " ".join(str(m) for m in mounts),
    "ENV_SHARDS": env.get("SHARDS", ""),
    "ENV_RUNS": env.get("RUNS", ""),
    "ENV_PARTIALS": env.get("PARTIALS", ""),
    "ENV_JOBS": env.get("JOBS", ""),
    "CPU": str(c.get("resources", {}).get("requests", {}).get("cpu", "")),
}
for k, v in facts.items():
    print("%s=%s" % (k, shlex.quote(str(v))))
PY
}

if facts=$(job_facts "$JOB" 2>"$TMP/err"); then
	t_ok "$JOB parses as YAML"
	eval "$facts"
else
	t_fail "$JOB parses as YAML" "$(cat "$TMP/err")"
	t_done
	exit 1
fi
t_eq "$JOB: one document, a batch/v1 Job" "$DOCS $API $KIND" "1 batch/v1 Job"
t_eq "$JOB: completionMode Indexed" "$MODE" Indexed
t_eq "$JOB: one completion per shard (completions = SHARDS)" \
	"$COMPLETIONS" "$ENV_SHARDS"
if [[ $PARALLELISM =~ ^[0-9]+$ ]] && [ "$PARALLELISM" -ge 1 ] &&
	[ "$PARALLELISM" -le "$COMPLETIONS" ]; then
	t_ok "$JOB: parallelism $PARALLELISM, 1..completions"
else
	t_fail "$JOB: parallelism 1..completions" "got '$PARALLELISM'"
fi
t_eq "$JOB: restartPolicy Never (a Job's pods)" "$RESTART" Never
t_eq "$JOB: one container, its command a /bin/sh -c script" \
	"$CONTAINERS $SHELL" "1 /bin/sh -c"
t_match "$JOB: the script runs shard JOB_COMPLETION_INDEX/SHARDS of --runs RUNS" \
	"$SCRIPT" 'simulate --runs "\$RUNS".*--shard "\$JOB_COMPLETION_INDEX/\$SHARDS"'
if [ "$PRIVILEGED" = true ] ||
	[[ " $CAPS " == *" BPF "* && " $CAPS " == *" NET_ADMIN "* &&
		" $CAPS " == *" PERFMON "* ]]; then
	t_ok "$JOB: CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or privileged)"
else
	t_fail "$JOB: CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or privileged)" \
		"capabilities: '$CAPS', privileged: $PRIVILEGED"
fi
t_eq "$JOB: draws at a time (JOBS) = the pod's CPU request" \
	"$ENV_JOBS" "$CPU"
t_match "$JOB: the partials go to a mounted volume" \
	" $MOUNTS " " $ENV_PARTIALS "

# ---- the Slurm array job ----------------------------------------------------

t_check "$SBATCH: bash syntax" bash -n "$SBATCH"
S_SHARDS=$(sed -n 's/^SHARDS=\${SHARDS:-\([0-9]*\)}$/\1/p' "$SBATCH")
S_RUNS=$(sed -n 's/^RUNS=\${RUNS:-\([0-9]*\)}$/\1/p' "$SBATCH")
t_eq "$SBATCH: one array task per shard (--array=0-SHARDS-1)" \
	"$(grep '^#SBATCH --array=' "$SBATCH")" \
	"#SBATCH --array=0-$((S_SHARDS - 1))"
t_match "$SBATCH: runs shard SLURM_ARRAY_TASK_ID/SHARDS of --runs RUNS" \
	"$(tr -d '\\\n' <"$SBATCH")" \
	'simulate --runs "\$RUNS".*--shard "\$SLURM_ARRAY_TASK_ID/\$SHARDS"'
t_eq "the two recipes cut the same runs the same way" \
	"$S_RUNS/$S_SHARDS" "$ENV_RUNS/$ENV_SHARDS"

# ---- each recipe's command, run here once per index -------------------------

ref=$TMP/simulate.json
# shellcheck disable=SC2086
if ! "$BR" --json simulate --runs "$ENV_RUNS" $TEST_ARGS >"$ref" \
	2>"$TMP/err"; then
	t_fail "simulate --runs $ENV_RUNS on one machine" "$(cat "$TMP/err")"
	t_done
	exit 1
fi

# run_each NAME INDEXVAR DIR COMMAND...: the command once per index
run_each() {
	local name=$1 var=$2 dir=$3 k bad=""

	shift 3
	mkdir -p "$dir"
	for ((k = 0; k < ENV_SHARDS; k++)); do
		env "$var=$k" SHARDS="$ENV_SHARDS" RUNS="$ENV_RUNS" \
			JOBS="$ENV_JOBS" SLURM_CPUS_PER_TASK="$ENV_JOBS" \
			ARGS="$TEST_ARGS" PARTIALS="$dir" \
			PATH="$BUILD:$PATH" "$@" 2>"$TMP/err.$k" ||
			bad="$bad index $k: $(cat "$TMP/err.$k")"
	done
	if [ -z "$bad" ]; then
		t_ok "$name: every index ran ($ENV_SHARDS partials)"
	else
		t_fail "$name: every index ran" "$bad"
	fi
}

# merge_same NAME DIR: merge of DIR's partials = simulate --runs
merge_same() {
	local parts=() k

	for ((k = 0; k < ENV_SHARDS; k++)); do
		parts+=("$2/part-$k.jsonl")
	done
	if "$BR" --json merge "${parts[@]}" >"$TMP/merged.json" \
		2>"$TMP/err" && cmp -s "$ref" "$TMP/merged.json"; then
		t_ok "$1: merge of the partials = simulate --runs $ENV_RUNS, byte for byte"
	else
		t_fail "$1: merge of the partials = simulate --runs $ENV_RUNS" \
			"$(cat "$TMP/err")" \
			"$(diff "$ref" "$TMP/merged.json" | head -5)"
	fi
}

run_each "$JOB" JOB_COMPLETION_INDEX "$TMP/k8s" /bin/sh -c "$SCRIPT"
merge_same "$JOB" "$TMP/k8s"
run_each "$SBATCH" SLURM_ARRAY_TASK_ID "$TMP/slurm" bash "$SBATCH"
merge_same "$SBATCH" "$TMP/slurm"
t_eq "both recipes wrote the same partials" \
	"$(cd "$TMP/k8s" && sha256sum part-*.jsonl)" \
	"$(cd "$TMP/slurm" && sha256sum part-*.jsonl)"

t_done
