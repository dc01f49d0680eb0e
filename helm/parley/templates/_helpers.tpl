{{/* Chart name, overridable. */}}
{{- define "parley.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; 63 characters at most (DNS label). */}}
{{- define "parley.fullname" -}}
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

{{- define "parley.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels common to every object. */}}
{{- define "parley.labels" -}}
helm.sh/chart: {{ include "parley.chart" . }}
app.kubernetes.io/name: {{ include "parley.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: parley
{{- end }}

{{/* Selector labels; call with (dict "context" $ "component" "api"). */}}
{{- define "parley.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parley.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The image reference: digest wins over tag; tag defaults to appVersion. */}}
{{- define "parley.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/* The externally managed Secret; never created by this chart. */}}
{{- define "parley.secretName" -}}
{{- required "existingSecret is required: the name of a Secret holding the database URLs, JWT secret and operator token" .Values.existingSecret }}
{{- end }}

{{/* One environment variable read from the existing Secret: (dict "context" $ "name" "PARLEY_X" "key" "KEY"). */}}
{{- define "parley.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.secretName" .context }}
      key: {{ .key }}
{{- end }}

{{/* Pod-level settings shared by API, worker and migrate pods. */}}
{{- define "parley.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The writable /tmp volume (the root filesystem is read-only). */}}
{{- define "parley.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .Values.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end }}

{{- define "parley.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* Non-secret settings as key/value pairs (the ConfigMap's data). Numbers go through
     int64: Helm reads values as float64 and would print 2592000 as 2.592e+06. */}}
{{- define "parley.configData" -}}
PARLEY_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
PARLEY_ACCESS_TOKEN_TTL_SECONDS: {{ .Values.config.accessTokenTTLSeconds | int64 | quote }}
PARLEY_REFRESH_TOKEN_TTL_SECONDS: {{ .Values.config.refreshTokenTTLSeconds | int64 | quote }}
PARLEY_BCRYPT_COST: {{ .Values.config.bcryptCost | int64 | quote }}
PARLEY_MAX_BODY_BYTES: {{ .Values.config.maxBodyBytes | int64 | quote }}
PARLEY_SHUTDOWN_TIMEOUT_SECONDS: {{ .Values.config.shutdownTimeoutSeconds | int64 | quote }}
PARLEY_HEADER_TIMEOUT_SECONDS: {{ .Values.config.headerTimeoutSeconds | int64 | quote }}
PARLEY_BODY_TIMEOUT_SECONDS: {{ .Values.config.bodyTimeoutSeconds | int64 | quote }}
PARLEY_IDLE_TIMEOUT_SECONDS: {{ .Values.config.idleTimeoutSeconds | int64 | quote }}
PARLEY_SIGNIN_FAILURES_PER_ADDRESS: {{ .Values.config.signInFailuresPerAddress | int64 | quote }}
PARLEY_CONTACT_LOOKUPS_PER_HOUR: {{ .Values.config.contactLookupsPerHour | int64 | quote }}
PARLEY_TRUST_FORWARDED_FOR: {{ .Values.config.trustForwardedFor | toString | quote }}
PARLEY_OBJECT_STORE: {{ .Values.config.objectStore | quote }}
PARLEY_S3_ENDPOINT: {{ .Values.config.s3Endpoint | quote }}
PARLEY_S3_BUCKET: {{ .Values.config.s3Bucket | quote }}
PARLEY_S3_REGION: {{ .Values.config.s3Region | quote }}
PARLEY_S3_PATH_STYLE: {{ .Values.config.s3PathStyle | toString | quote }}
PARLEY_EXPORT_LEASE_SECONDS: {{ .Values.config.exportLeaseSeconds | int64 | quote }}
{{- with .Values.config.exportImageHosts }}
PARLEY_EXPORT_IMAGE_HOSTS: {{ . | quote }}
{{- end }}
{{- with .Values.config.sqlDir }}
PARLEY_SQL_DIR: {{ . | quote }}
{{- end }}
{{- end }}

{{/* command (only when set) and the subcommand: (dict "context" $ "subcommand" "serve"). */}}
{{- define "parley.commandArgs" -}}
args: [{{ .subcommand | quote }}]
{{- with .context.Values.command }}
command:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
