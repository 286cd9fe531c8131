// What migrate reads from, and changes in, the chart's Deployment and HPA templates. The
// Deployment's name and replica count are copied from its own template, as written, never
// guessed: the Rollout's workloadRef names what the Deployment renders, and the Rollout starts
// at what it runs. Its pod template is never touched: a change there would roll the live
// Deployment during the very sync that hands its pods over to the Rollout.
import { failure } from "../errors.js";

export interface Source {
  file: string;
  text: string;
}

export interface Workload {
  /** The Deployment's metadata.name, as its template writes it: {{ include "web.fullname" . }}. */
  nameExpression: string;
  /** The body of the `<chart>.bluegreen.replicas` helper that the Rollout (and, if guarded, the Deployment) render. */
  replicasHelper: string;
  /** The Deployment template after migrate: unchanged, or with replicas no longer dropped under autoscaling. */
  deploymentText: string;
  /** The chart has an HPA aimed at the Deployment (helm create's hpa.yaml). */
  autoscaled: boolean;
  /** The HPA templates, now aimed at the Rollout. */
  hpaTexts: Source[];
}

/** Reads the Deployment (and the HPA aimed at it) and says what migrate writes for them. */
export function readWorkload(deployment: Source, hpas: Source[], prefix: string): Workload {
  const nameExpression = metadataName(deployment);
  if (hpas.length > 1)
    throw failure(`${hpas.map((h) => h.file).join(" and ")} both aim an HPA at the Deployment: migrate expects one`);
  const hpa = hpas[0];
  const maxReplicas = hpa === undefined ? undefined : /^[ \t]+maxReplicas:[ \t]*(\S.*?)[ \t]*$/m.exec(hpa.text)?.[1];
  if (hpa && maxReplicas === undefined)
    throw failure(
      `${hpa.file}: no maxReplicas line found, so migrate cannot tell how many pods the HPA may be running`,
    );

  const include = `{{ include "${prefix}.bluegreen.replicas" . }}`;
  // helm create: `{{- if not .Values.autoscaling.enabled }} replicas: ... {{- end }}`. Under an
  // HPA the live count is the HPA's, at most maxReplicas; the guard would then leave the count
  // out, so the Deployment renders the helper too, and never loses its replicas.
  const guarded =
    /^([ \t]+)\{\{-?\s*if\s+(not\s[^}]*?)\s*-?\}\}[ \t]*\r?\n[ \t]+replicas:[ \t]*(\S.*?)[ \t]*\r?\n[ \t]*\{\{-?\s*end\s*-?\}\}[ \t]*(\r?\n)/m.exec(
      deployment.text,
    );
  if (guarded) {
    const [match, indent, condition, expression, newline] = guarded as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    const replicasHelper =
      maxReplicas === undefined
        ? expression
        : [`{{- if ${condition} -}}`, expression, "{{- else -}}", maxReplicas, "{{- end -}}"].join("\n");
    const lines = [
      `${indent}{{- /* bluegreen migrate: always set, so no sync resets the running Deployment to one pod. */}}`,
      `${indent}replicas: ${include}`,
    ];
    return {
      nameExpression,
      replicasHelper,
      deploymentText: deployment.text.replace(match, lines.join(newline) + newline),
      autoscaled: hpa !== undefined,
      hpaTexts: hpas.map((h) => ({ file: h.file, text: retarget(h, prefix) })),
    };
  }
  const plain = /^[ \t]+replicas:[ \t]*(\S.*?)[ \t]*$/m.exec(deployment.text);
  if (!plain) {
    throw failure(
      `${deployment.file} sets no replicas: migrate starts the Rollout at the count the Deployment runs; add the count it runs now (replicas: {{ .Values.replicaCount }}) and run migrate again`,
    );
  }
  return {
    nameExpression,
    replicasHelper: plain[1]!,
    deploymentText: deployment.text,
    autoscaled: hpa !== undefined,
    hpaTexts: hpas.map((h) => ({ file: h.file, text: retarget(h, prefix) })),
  };
}

/** The value of the Deployment's top-level metadata.name, as written in its template. */
function metadataName(deployment: Source): string {
  const lines = deployment.text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^metadata:[ \t]*$/.test(line));
  let indent: number | undefined;
  for (const line of lines.slice(start + 1)) {
    if (start < 0 || /^\S/.test(line)) break; // the next top-level key
    if (/^\s*(#.*)?$/.test(line) || /^\s*\{\{/.test(line)) continue;
    const column = line.search(/\S/);
    indent ??= column;
    if (column !== indent) continue;
    const name = /^\s+name:[ \t]*(\S.*?)[ \t]*$/.exec(line)?.[1];
    if (name !== undefined) return name.replace(/\s+#[^}]*$/, "");
  }
  throw failure(
    `${deployment.file}: no metadata.name found, so migrate cannot point the Rollout's workloadRef at the Deployment`,
  );
}

/** The HPA, aimed at the Rollout (argoproj.io/v1alpha1, kind Rollout, the Rollout's name). */
function retarget(hpa: Source, prefix: string): string {
  const block = /^([ \t]*)scaleTargetRef:[ \t]*\r?\n((?:\1[ \t]+\S.*\r?\n)+)/m.exec(hpa.text);
  const body = block?.[2];
  if (
    !block ||
    !body ||
    !/apiVersion:\s*apps\/v1\b/.test(body) ||
    !/kind:\s*Deployment\b/.test(body) ||
    !/^[ \t]+name:/m.test(body)
  ) {
    throw failure(
      `${hpa.file}: the HPA's scaleTargetRef is not written as apiVersion, kind and name lines, so migrate cannot aim it at the Rollout`,
    );
  }
  const aimed = body
    .replace(/(apiVersion:[ \t]*)apps\/v1\b/, "$1argoproj.io/v1alpha1")
    .replace(/(kind:[ \t]*)Deployment\b/, "$1Rollout")
    .replace(/^([ \t]+name:[ \t]*)\S.*?([ \t]*)$/m, `$1{{ include "${prefix}.fullname" . }}`);
  return hpa.text.replace(body, aimed);
}
