{{> bluegreen-helpers}}

{{/*
The replicas of the Deployment and of the Rollout that replaces it (added by bluegreen migrate):
one count for both, so the Rollout starts at what the Deployment runs. Argo Rollouts scales the
Deployment to the Rollout's replicas minus its ready pods while the first release runs, so
serving pods never drop below this. Where the Deployment's count was left to an HPA, the live
count is whatever the HPA chose, at most its maxReplicas: both start there, and the HPA (now
aimed at the Rollout) brings the Rollout back to what the load needs.
*/}}
{{- define "{{{bg}}}.replicas" -}}
{{{replicas}}}
{{- end }}
