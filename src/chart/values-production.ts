// The knobs a production team reaches for first, beside the Blue/Green ones: exposure (Ingress,
// Gateway API), disruption and spread, configuration, and database migrations. Each is off or
// harmless by default; values.ts places them in values.yaml.
import { type Entry, group, knob } from "../yaml-doc.js";
import type { ChartSettings } from "./values.js";

/** Ingress and Gateway API routes to the active Service and, for trying green, to the preview one. */
export function exposureValues(settings: Pick<ChartSettings, "host" | "previewHost">): Entry[] {
  return [
    group(
      "ingress",
      "An Ingress (networking.k8s.io/v1) to the active Service: production traffic. `bluegreen init --host`\nturns it on.",
      knob("enabled", settings.host !== undefined, "-- Render the Ingress."),
      knob("className", "", "-- IngressClass (nginx, traefik, ...). Empty: the cluster's default class."),
      knob("annotations", {}, "-- Annotations of the Ingress, e.g. cert-manager.io/cluster-issuer for a certificate."),
      knob(
        "hosts",
        [{ host: settings.host ?? "chart-example.local", paths: [{ path: "/", pathType: "Prefix" }] }],
        "-- Hosts and paths sent to the active Service (port service.port).",
      ),
      knob("tls", [], "-- TLS, e.g. [{secretName: shop-tls, hosts: [shop.example.com]}]. []: plain HTTP."),
      group(
        "preview",
        "A second Ingress, to the preview Service: green can be tried by URL before it is promoted.\nAnyone who reaches this host reaches green: keep it internal (an internal className, or an\nallow-list annotation). `bluegreen init --preview-host` turns it on.",
        knob("enabled", settings.previewHost !== undefined, "-- Render the preview Ingress."),
        knob(
          "host",
          settings.previewHost ?? "",
          "-- Host sent to the preview Service, all paths. Required when enabled.",
        ),
        knob("className", "", "-- IngressClass of the preview Ingress. Empty: ingress.className."),
        knob("annotations", {}, "-- Annotations of the preview Ingress. Empty: ingress.annotations."),
        knob(
          "tls",
          [],
          "-- TLS of the preview host, e.g. [{secretName: shop-preview-tls, hosts: [preview.shop.example.com]}].",
        ),
      ),
    ),
    group(
      "httpRoute",
      "A Gateway API HTTPRoute (gateway.networking.k8s.io/v1) to the active Service, as `helm create`\nof Helm 4 has it. Needs the Gateway API CRDs and a Gateway in the cluster.",
      knob("enabled", false, "-- Render the HTTPRoute."),
      knob("annotations", {}, "-- Annotations of the HTTPRoute."),
      knob(
        "parentRefs",
        [{ name: "gateway", sectionName: "http" }],
        "-- Gateways (and listeners) the route attaches to; add namespace: for a Gateway elsewhere.",
      ),
      knob("hostnames", ["chart-example.local"], "-- Hostnames sent to the active Service."),
      knob(
        "rules",
        [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
        "-- Rules (matches, filters); each sends what it matches to the active Service (port service.port).",
      ),
      group(
        "preview",
        "A second HTTPRoute, to the preview Service, on a hostname of its own: green by URL before promotion.\nAnyone who reaches it reaches green: attach it to an internal Gateway where you have one.",
        knob("enabled", false, "-- Render the preview HTTPRoute."),
        knob("hostname", "", "-- Hostname sent to the preview Service, all paths. Required when enabled."),
        knob("parentRefs", [], "-- Gateways of the preview route. []: httpRoute.parentRefs."),
      ),
    ),
  ];
}

/** What keeps enough pods up while nodes are drained, and spreads them over nodes. */
export function disruptionValues(): Entry[] {
  return [
    group(
      "podDisruptionBudget",
      "A PodDisruptionBudget (policy/v1), rendered only where more than one pod runs (replicaCount > 1,\nor autoscaling with minReplicas > 1): a node drain or cluster upgrade then evicts one pod at a\ntime. It selects every pod of the app, blue and green alike: during a release both ReplicaSets\ncount, so the budget still lets one pod go at a time and never stops a drain for good. From\nKubernetes 1.27 it also sets unhealthyPodEvictionPolicy: AlwaysAllow, so pods that are not\nready (a crash loop) can always be evicted and never block the drain.",
      knob("enabled", false, "-- Render the budget. values-prod.yaml turns it on."),
      knob(
        "maxUnavailable",
        1,
        "-- Pods a voluntary disruption may take at once: a number of at least 1, or a percentage.",
      ),
    ),
    group(
      "topologySpread",
      "Spreads pods across nodes, softly (whenUnsatisfiable: ScheduleAnyway: a pod still starts when\nit cannot be spread). Each ReplicaSet spreads on its own (matchLabelKeys:\n[rollouts-pod-template-hash]), so green spreads evenly even while blue still runs. Kubernetes 1.27\nand later honour matchLabelKeys (beta, on by default); older versions spread blue and green together.",
      knob("enabled", true, "-- Add the constraint."),
      knob(
        "topologyKey",
        "kubernetes.io/hostname",
        "-- Domain to spread over: kubernetes.io/hostname (nodes) or topology.kubernetes.io/zone.",
      ),
      knob("maxSkew", 1, "-- How uneven the spread may become before the scheduler prefers other domains."),
    ),
    knob("topologySpreadConstraints", [], "-- More topology spread constraints of your own, as in a pod spec."),
  ];
}

/** The app's configuration: a ConfigMap of the chart's, and what people already have. */
export function configValues(): Entry[] {
  return [
    knob(
      "config",
      {},
      '-- The app\'s configuration, key: value, in a ConfigMap the container reads as environment\nvariables (envFrom). A change starts a Blue/Green release, smoke-tested like a new image: a\nchecksum of it is on the pod template. Values are strings: quote numbers and booleans ("8080",\n"true"). Never secrets: values files live in git; read an existing Secret with envFrom or env.',
      true,
    ),
    knob(
      "envFrom",
      [],
      "-- More variables from ConfigMaps and Secrets that exist already, by name, as in a pod spec:\n[{secretRef: {name: shop-db}}]. Only the names are in the pod template: a change of their\ncontents starts no release (pods read it when they next start).",
    ),
    knob(
      "env",
      [],
      "-- Environment variables of the app container, as in a pod spec. A secret comes from a Secret:\n{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: shop-db, key: password}}}, never a value here.",
    ),
  ];
}

/** The database migration Job that runs before each sync applies the Rollout. */
export function migrationValues(): Entry[] {
  return [
    group(
      "migrations",
      "A Job that runs the release's own image, config and env before the sync applies the Rollout (an\nArgo CD PreSync hook; pre-install/pre-upgrade under plain Helm). If it fails, the sync fails and\nnothing else changes. Blue keeps serving while it runs and until green is promoted, so a\nmigration must keep blue working: expand first, contract in a later release (README.md).",
      knob("enabled", false, "-- Run the Job before every sync."),
      knob("command", [], "-- Command of the Job's container, e.g. [bin/migrate]. []: the image's entrypoint."),
      knob("args", [], "-- Its arguments, e.g. [up]."),
      knob(
        "activeDeadlineSeconds",
        600,
        "-- A migration still running after this many seconds fails, and with it the sync.",
      ),
      knob(
        "backoffLimit",
        0,
        "-- Retries of a failed migration. 0: a failure stops the sync, for a person to look at.",
      ),
      knob("resources", {}, "-- Requests and limits of the Job's container. {}: the app's resources."),
    ),
  ];
}

/**
 * The preview exposure migrate adds beside a chart's own Ingress or HTTPRoute. Top-level keys,
 * so the person's ingress and httpRoute values stay as they wrote them.
 */
export function migratedExposureValues(kinds: { ingress: boolean; httpRoute: boolean }): Entry[] {
  return [
    ...(kinds.ingress
      ? [
          group(
            "previewIngress",
            "A second Ingress, to the preview Service (templates/preview-ingress.yaml): green can be tried by URL\nbefore it is promoted. Anyone who reaches this host reaches green: keep it internal.",
            knob("enabled", false, "-- Render the preview Ingress."),
            knob("host", "", "-- Host sent to the preview Service, all paths. Required when enabled."),
            knob("className", "", "-- IngressClass of the preview Ingress. Empty: ingress.className."),
            knob("annotations", {}, "-- Annotations of the preview Ingress. Empty: ingress.annotations."),
            knob(
              "tls",
              [],
              "-- TLS of the preview host, e.g. [{secretName: web-preview-tls, hosts: [preview.web.example.com]}].",
            ),
          ),
        ]
      : []),
    ...(kinds.httpRoute
      ? [
          group(
            "previewHTTPRoute",
            "A second HTTPRoute, to the preview Service (templates/preview-httproute.yaml): green by URL before\npromotion. Anyone who reaches it reaches green: attach it to an internal Gateway where you have one.",
            knob("enabled", false, "-- Render the preview HTTPRoute."),
            knob("hostname", "", "-- Hostname sent to the preview Service, all paths. Required when enabled."),
            knob("parentRefs", [], "-- Gateways of the preview route. []: httpRoute.parentRefs."),
          ),
        ]
      : []),
  ];
}
