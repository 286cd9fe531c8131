{{/*
Expand the name of the chart.
*/}}
{{- define "{{{name}}}.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name. It names the Rollout and the active Service.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "{{{name}}}.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of the preview Service. The full name is shortened first so that the suffix always
survives: a preview name that collapsed into the active one would break the release.
*/}}
{{- define "{{{name}}}.previewServiceName" -}}
{{- printf "%s-preview" (include "{{{name}}}.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "{{{name}}}.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The version the pods run: the effective image tag (a per-environment bump labels truthfully),
cut to a valid label value. Chart.AppVersion only when no tag is set.
*/}}
{{- define "{{{name}}}.version" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 }}
{{- regexReplaceAll "^[^A-Za-z0-9]+|[^A-Za-z0-9]+$" $tag "" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "{{{name}}}.labels" -}}
helm.sh/chart: {{ include "{{{name}}}.chart" . }}
{{ include "{{{name}}}.selectorLabels" . }}
{{- with include "{{{name}}}.version" . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: the Rollout's selector and both Services select on these.
*/}}
{{- define "{{{name}}}.selectorLabels" -}}
app.kubernetes.io/name: {{ include "{{{name}}}.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Pod template labels: only labels that change when the app changes. helm.sh/chart stays off,
or a chart version bump alone would start a Blue/Green release.
*/}}
{{- define "{{{name}}}.podLabels" -}}
{{ include "{{{name}}}.selectorLabels" . }}
{{- with include "{{{name}}}.version" . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The image reference: repository:tag, repository@digest, or repository:tag@digest. With a
digest the node pulls exactly that image and the tag only documents it.
*/}}
{{- define "{{{name}}}.image" -}}
{{- $repository := required "image.repository is required" .Values.image.repository }}
{{- $tag := .Values.image.tag | default "" | toString }}
{{- $digest := .Values.image.digest | default "" | toString }}
{{- if not (or $tag $digest) }}
{{- fail "set image.tag or image.digest: without one the cluster would run whatever 'latest' is" }}
{{- end }}
{{- $repository }}{{ if $tag }}:{{ $tag }}{{ end }}{{ if $digest }}@{{ $digest }}{{ end }}
{{- end }}

{{/*
Name of the smoke test's AnalysisTemplate.
*/}}
{{- define "{{{name}}}.smokeTestName" -}}
{{- printf "%s-smoke-test" (include "{{{name}}}.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/*
In-cluster URL the smoke test calls, through the given Service: the path is
blueGreen.smokeTest.path, or the readiness probe's, or /.
*/}}
{{- define "{{{name}}}.smokeTestUrl" -}}
{{- $root := .root }}
{{- $probePath := dig "httpGet" "path" "/" ($root.Values.readinessProbe | default dict) }}
{{- $path := $root.Values.blueGreen.smokeTest.path | default $probePath }}
{{- printf "http://%s.%s.svc:%v%s" .service $root.Release.Namespace $root.Values.service.port $path }}
{{- end }}
