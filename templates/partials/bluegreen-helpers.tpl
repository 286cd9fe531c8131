{{/*
Helpers of the Blue/Green parts of this chart (written by bluegreen).
*/}}

{{/*
Name of the preview Service. The full name is shortened first so that the suffix always
survives: a preview name that collapsed into the active one would break the release.
*/}}
{{- define "{{{bg}}}.previewServiceName" -}}
{{- printf "%s-preview" (include "{{{name}}}.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/*
The version the pods run: the effective image tag (a per-environment bump labels truthfully),
cut to a valid label value. Chart.AppVersion only when no tag is set.
*/}}
{{- define "{{{bg}}}.version" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 }}
{{- regexReplaceAll "^[^A-Za-z0-9]+|[^A-Za-z0-9]+$" $tag "" }}
{{- end }}

{{/*
Pod template labels: only labels that change when the app changes. helm.sh/chart stays off,
or a chart version bump alone would start a Blue/Green release.
*/}}
{{- define "{{{bg}}}.podLabels" -}}
{{ include "{{{name}}}.selectorLabels" . }}
{{- with include "{{{bg}}}.version" . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The image reference: repository:tag, repository@digest, or repository:tag@digest (the tag
defaults to the chart's appVersion, as in charts made by helm create). With a digest the node
pulls exactly that image and the tag only documents it.
*/}}
{{- define "{{{bg}}}.image" -}}
{{- $repository := required "image.repository is required" .Values.image.repository }}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | default "" | toString }}
{{- $digest := .Values.image.digest | default "" | toString }}
{{- if not (or $tag $digest) }}
{{- fail "set image.tag or image.digest: without one the cluster would run whatever 'latest' is" }}
{{- end }}
{{- $repository }}{{ if $tag }}:{{ $tag }}{{ end }}{{ if $digest }}@{{ $digest }}{{ end }}
{{- end }}

{{/*
Name of the smoke test's AnalysisTemplate.
*/}}
{{- define "{{{bg}}}.smokeTestName" -}}
{{- printf "%s-smoke-test" (include "{{{name}}}.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/*
In-cluster URL the smoke test calls, through the given Service: the path is
blueGreen.smokeTest.path, or the readiness probe's, or /.
*/}}
{{- define "{{{bg}}}.smokeTestUrl" -}}
{{- $root := .root }}
{{- $probePath := dig "httpGet" "path" "/" ($root.Values.readinessProbe | default dict) }}
{{- $path := $root.Values.blueGreen.smokeTest.path | default $probePath }}
{{- printf "http://%s.%s.svc:%v%s" .service $root.Release.Namespace $root.Values.service.port $path }}
{{- end }}

{{/*
Name of the app's ConfigMap (values `config`).
*/}}
{{- define "{{{bg}}}.configName" -}}
{{- printf "%s-config" (include "{{{name}}}.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{/*
The data of the app's ConfigMap: every key and value quoted, so YAML reads each as a string.
*/}}
{{- define "{{{bg}}}.configData" -}}
{{- range $key, $value := .Values.config }}
{{ $key | quote }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/*
A checksum of `config` alone (toJson sorts the keys): it changes when, and only when, the
configuration does, so a chart version or label change never starts a release by itself.
*/}}
{{- define "{{{bg}}}.configChecksum" -}}
{{- .Values.config | toJson | sha256sum }}
{{- end }}

{{/*
The Ingress to the preview Service: one host, every path, so green can be tried by URL before
promotion. Called with (dict "root" . "preview" <its values> "ingress" <the Ingress values>
"key" <where its values are>): class and annotations default to the Ingress's.
*/}}
{{- define "{{{bg}}}.previewIngress" -}}
{{- $root := .root }}
{{- $host := required (printf "the preview Ingress needs a host: set %s.host" .key) .preview.host }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "{{{bg}}}.previewServiceName" $root }}
  labels:
    {{- include "{{{name}}}.labels" $root | nindent 4 }}
    app.kubernetes.io/component: preview
  {{- with .preview.annotations | default .ingress.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with .preview.className | default .ingress.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with .preview.tls }}
  tls:
    {{- range . }}
    - hosts:
        {{- range .hosts }}
        - {{ . | quote }}
        {{- end }}
      secretName: {{ .secretName }}
    {{- end }}
  {{- end }}
  rules:
    - host: {{ $host | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "{{{bg}}}.previewServiceName" $root }}
                port:
                  number: {{ $root.Values.service.port }}
{{- end }}

{{/*
The HTTPRoute to the preview Service: one hostname, every path. Called with (dict "root" .
"preview" <its values> "route" <the HTTPRoute values> "key" <where its values are>): the
Gateways default to the route's.
*/}}
{{- define "{{{bg}}}.previewHTTPRoute" -}}
{{- $root := .root }}
{{- $hostname := required (printf "the preview HTTPRoute needs a hostname: set %s.hostname" .key) .preview.hostname }}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {{ include "{{{bg}}}.previewServiceName" $root }}
  labels:
    {{- include "{{{name}}}.labels" $root | nindent 4 }}
    app.kubernetes.io/component: preview
  {{- with .route.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  parentRefs:
    {{- toYaml (required (printf "the preview HTTPRoute needs Gateways to attach to: set %s.parentRefs" .key) (.preview.parentRefs | default .route.parentRefs)) | nindent 4 }}
  hostnames:
    - {{ $hostname | quote }}
  rules:
    - backendRefs:
        - name: {{ include "{{{bg}}}.previewServiceName" $root }}
          port: {{ $root.Values.service.port }}
{{- end }}
