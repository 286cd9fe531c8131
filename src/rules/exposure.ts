// Ingresses and Gateway API routes in front of a Blue/Green pair of Services: production traffic
// must reach the active Service, which Argo Rollouts points at the promoted pods, and a preview
// host the preview Service. Crossed over, either people trying green are testing blue, or
// production reaches green before anyone promoted it.
import { type Finding, type Manifest, ofKind, type Rule, resourceName } from "./types.js";

interface Backend {
  service: string;
  port: unknown;
}

/** The Services an Ingress or an HTTPRoute sends traffic to. */
function backendsOf(manifest: Manifest): Backend[] {
  const spec = manifest.spec ?? {};
  if (manifest.kind === "Ingress") {
    const of = (backend: any): Backend[] =>
      backend?.service?.name
        ? [{ service: backend.service.name, port: backend.service.port?.number ?? backend.service.port?.name }]
        : [];
    return [
      ...of(spec.defaultBackend),
      ...(spec.rules ?? []).flatMap((rule: any) => (rule.http?.paths ?? []).flatMap((path: any) => of(path.backend))),
    ];
  }
  return (spec.rules ?? []).flatMap((rule: any) =>
    (rule.backendRefs ?? [])
      .filter((ref: any) => (ref.kind ?? "Service") === "Service" && (ref.group ?? "") === "")
      .map((ref: any) => ({ service: ref.name, port: ref.port })),
  );
}

/** An exposure meant for green: labelled as the preview component, or named like the preview Service. */
const isPreview = (manifest: Manifest) =>
  manifest.metadata?.labels?.["app.kubernetes.io/component"] === "preview" ||
  /-preview$/.test(manifest.metadata?.name ?? "");

export const exposureRules: Rule = (manifests) => {
  const findings: Finding[] = [];
  const services = new Map(ofKind(manifests, "Service").map((s) => [s.metadata?.name, s]));
  const strategies = ofKind(manifests, "Rollout")
    .map((r) => r.spec?.strategy?.blueGreen)
    .filter(
      (bg): bg is { activeService: string; previewService: string } =>
        typeof bg?.activeService === "string" && typeof bg?.previewService === "string",
    );
  const exposures = manifests.filter(
    (m) => m.kind === "Ingress" || (m.kind === "HTTPRoute" && m.apiVersion?.startsWith("gateway.networking.k8s.io/")),
  );
  for (const exposure of exposures) {
    const resource = resourceName(exposure);
    const add = (rule: string, message: string, fix: string) =>
      findings.push({ rule, severity: "error", resource, message, fix });
    const preview = isPreview(exposure);
    for (const backend of backendsOf(exposure)) {
      const service = services.get(backend.service);
      if (!service) {
        add(
          "exposure-backend-missing",
          `sends traffic to Service ${backend.service}, which the chart does not render`,
          "point it at the active Service (or, for green, the preview Service)",
        );
        continue;
      }
      const ports: any[] = service.spec?.ports ?? [];
      if (backend.port !== undefined && !ports.some((p) => p.port === backend.port || p.name === backend.port)) {
        add(
          "exposure-backend-port",
          `sends traffic to port ${String(backend.port)} of Service ${backend.service}, which it does not expose`,
          "use the Service's port (service.port)",
        );
      }
      for (const { activeService, previewService } of strategies) {
        if (preview && backend.service === activeService) {
          add(
            "preview-exposure-to-active",
            `is the preview exposure but sends traffic to the active Service ${activeService}: people trying green would be testing blue`,
            `send it to the preview Service ${previewService}`,
          );
        }
        if (!preview && backend.service === previewService) {
          add(
            "active-exposure-to-preview",
            `sends production traffic to the preview Service ${previewService}: green would take traffic before anyone promoted it`,
            `send it to the active Service ${activeService}, or label it app.kubernetes.io/component: preview if it is meant for trying green`,
          );
        }
      }
    }
  }
  return findings;
};
