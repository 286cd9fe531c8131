{{> standard-helpers}}

{{> bluegreen-helpers}}

{{/*
The Rollout's replicas. Without autoscaling: replicaCount. With it: at least the HPA's minimum
and never fewer than replicaCount, the count that ran before autoscaling was turned on, so no
sync can start below what serves now. From then on the HPA owns the count: the environment's
Argo CD Application ignores the field's drift (RespectIgnoreDifferences=true keeps the live
count at every sync), and this value only matters when the Rollout is first created.
*/}}
{{- define "{{{bg}}}.replicas" -}}
{{- if .Values.autoscaling.enabled }}
{{- max (int .Values.replicaCount) (int .Values.autoscaling.minReplicas) }}
{{- else }}
{{- .Values.replicaCount }}
{{- end }}
{{- end }}
