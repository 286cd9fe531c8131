// How Argo CD sequences a sync, read from gitops-engine: which rendered objects are hooks, in
// which phase and wave they run, and what makes a sync wait for the Rollout's health.
import type { Manifest } from "./types.js";

const ARGO_HOOK = "argocd.argoproj.io/hook";
const HELM_HOOK = "helm.sh/hook";
const ARGO_HOOK_TYPES = new Set(["PreSync", "Sync", "PostSync", "SyncFail", "Skip"]);
// pkg/sync/hook/helm/type.go: the only Helm hooks Argo CD runs, and the phase each maps to.
const HELM_HOOK_PHASES: Record<string, string> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
};

const csv = (text: string | undefined) =>
  (text ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);

/** pkg/sync/hook/hook.go Skip: an object whose only hook type is Skip is never applied. */
const isSkipped = (manifest: Manifest) => {
  const types = hookTypes(manifest);
  return types.length === 1 && types[0] === "Skip";
};

/** pkg/sync/hook/hook.go IsHook: an Argo CD hook annotation wins; a Helm one counts unless crd-install. */
export function isHook(manifest: Manifest): boolean {
  const annotations = manifest.metadata?.annotations ?? {};
  if (annotations[ARGO_HOOK] !== undefined) return !isSkipped(manifest);
  return annotations[HELM_HOOK] !== undefined && annotations[HELM_HOOK] !== "crd-install";
}

/** pkg/sync/hook/hook.go Types: Argo CD's hook types, or Helm's mapped ones when there are none. */
export function hookTypes(manifest: Manifest): string[] {
  const annotations = manifest.metadata?.annotations ?? {};
  const argo = csv(annotations[ARGO_HOOK]).filter((type) => ARGO_HOOK_TYPES.has(type));
  if (argo.length > 0) return argo;
  return csv(annotations[HELM_HOOK]).flatMap((type) => (HELM_HOOK_PHASES[type] ? [HELM_HOOK_PHASES[type]!] : []));
}

/**
 * pkg/sync/sync_phase.go: the phases an object is applied in. A Helm hook Argo CD does not run
 * (test, post-delete, ...) has none: Argo CD ignores it.
 */
export function syncPhases(manifest: Manifest): string[] {
  if (isSkipped(manifest)) return [];
  if (!isHook(manifest)) return ["Sync"];
  return [...new Set(hookTypes(manifest).filter((type) => type !== "Skip"))];
}

/** pkg/sync/syncwaves/waves.go: the sync-wave annotation, else helm.sh/hook-weight, else 0. */
export function syncWave(manifest: Manifest): number {
  const annotations = manifest.metadata?.annotations ?? {};
  for (const key of ["argocd.argoproj.io/sync-wave", "helm.sh/hook-weight"]) {
    const text = annotations[key];
    if (text !== undefined && /^[-+]?\d+$/.test(text.trim())) return Number(text.trim());
  }
  return 0;
}

/**
 * What makes Argo CD's sync wait for the Rollout to be Healthy or Degraded (pkg/sync/sync_context.go
 * Sync): once the Rollout's wave is applied, the operation succeeds at once unless tasks remain,
 * that is a PostSync hook, a hook in the Rollout's wave or later, or an object in a later wave.
 * SyncFail hooks are set aside before that count and never hold a sync.
 */
export function syncWaiters(rollout: Manifest, manifests: Manifest[]): { manifest: Manifest; why: string }[] {
  const wave = syncWave(rollout);
  const waiters: { manifest: Manifest; why: string }[] = [];
  for (const manifest of manifests) {
    if (manifest === rollout) continue;
    const phases = syncPhases(manifest);
    if (phases.includes("PostSync")) {
      const helmOnly = manifest.metadata?.annotations?.[ARGO_HOOK] === undefined;
      waiters.push({
        manifest,
        why: helmOnly
          ? "a Helm post-install/post-upgrade hook, which Argo CD runs as a PostSync hook"
          : "a PostSync hook",
      });
    } else if (phases.includes("Sync") && isHook(manifest) && syncWave(manifest) >= wave) {
      waiters.push({ manifest, why: `a Sync hook in wave ${syncWave(manifest)}, not before the Rollout's` });
    } else if (phases.includes("Sync") && !isHook(manifest) && syncWave(manifest) > wave) {
      waiters.push({ manifest, why: `in sync wave ${syncWave(manifest)}, after the Rollout's ${wave}` });
    }
  }
  return waiters;
}
