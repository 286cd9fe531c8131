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
