{{- define "tggrid.name" -}}
{{- printf "%s-hub" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tggrid.labels" -}}
app.kubernetes.io/name: tggrid
app.kubernetes.io/part-of: tggrid
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tggrid.selector" -}}
app.kubernetes.io/name: tggrid
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: hub
{{- end -}}

{{- define "tggrid.secretName" -}}
{{- .Values.existingSecret | default (include "tggrid.name" .) -}}
{{- end -}}
