{{/* The release's base name: "kro-rs" for a release named kro-rs, else "<release>-kro-rs". */}}
{{- define "kro-rs.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kro-rs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. No Helm-specific label: the same output is checked in as plain manifests. */}}
{{- define "kro-rs.labels" -}}
{{ include "kro-rs.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kro-rs
{{- end -}}

{{- define "kro-rs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kro-rs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kro-rs.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kro-rs.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The label a ClusterRole carries to be aggregated into the operator's rights on children. */}}
{{- define "kro-rs.aggregationLabel" -}}
rbac.kro.run/aggregate-to-controller
{{- end -}}
