{{/* The RBAC rules of the operator; rbac.yaml binds them. charts/README.md explains each. */}}
{{- define "chatcluster-operator.namespacedRules" }}
# The resource the operator serves; patch: Kopf's finalizer and progress annotations.
- apiGroups: [chatcluster.dev]
  resources: [chatclusters]
  verbs: [get, list, watch, patch]
# Phase, conditions and component counts go to the status subresource.
- apiGroups: [chatcluster.dev]
  resources: [chatclusters/status]
  verbs: [get, patch]
# Children are owned by their ChatCluster with blockOwnerDeletion; API servers that enforce
# OwnerReferencesPermissionEnforcement (OpenShift) require this to set it.
- apiGroups: [chatcluster.dev]
  resources: [chatclusters/finalizers]
  verbs: [update]
# Kopf reports handler progress and errors, the operator its scale and pause decisions.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
# Children are applied with server-side apply (patch; create the first time) and read back
# (get, list, watch). No update: nothing is replaced with PUT.
# ConfigMaps (NATS configuration, Grafana dashboards) and Services. No delete: children go with
# their ChatCluster through owner references, which the garbage collector, not the operator, follows.
- apiGroups: [""]
  resources: [configmaps, services]
  verbs: [get, list, watch, create, patch]
# Secrets are read one by one (get) and created: the credentials once, the operator's CA once. patch
# only renews the TLS leaf certificates the operator issues (without cert-manager). Never list or
# watch: the operator does not need to see the namespace's other Secrets.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, patch]
# The NetworkPolicies of every ChatCluster (applied, never read back or deleted).
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, create, patch]
# cert-manager's Issuers and Certificates, when cert-manager is installed and issues the TLS certificates.
- apiGroups: [cert-manager.io]
  resources: [issuers, certificates]
  verbs: [get, create, patch]
# NATS, Cassandra and gateway StatefulSets; persister, scorer, aggregator and notifier Deployments.
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch]
# delete: a StatefulSet's serviceName is immutable; the gateway's (now its headless Service) is moved by
# deleting the old StatefulSet with its pods orphaned (they keep serving) and creating the new one.
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [get, list, watch, create, patch, delete]
# PodDisruptionBudgets: a drain evicts one pod of a component at a time.
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch]
# Objects a spec change removes while the ChatCluster lives, hence delete (pruning): the
# schema-migration Jobs of earlier versions (a Job's template is immutable, so every version has
# its own), the gateway's HorizontalPodAutoscaler when autoscaling is turned off, the
# ServiceMonitor when spec.telemetry.metrics.serviceMonitor is.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [monitoring.coreos.com]
  resources: [servicemonitors]
  verbs: [get, list, watch, create, patch, delete]
# No PersistentVolumeClaims: the StatefulSets' persistentVolumeClaimRetentionPolicy has the
# StatefulSet controller delete the volumes when spec.storage.deletePVCsOnDelete is true.
{{- end }}
{{- define "chatcluster-operator.clusterRules" }}
# Kopf scans and watches CRDs to find the resources it serves; the operator checks whether the
# ServiceMonitor CRD exists before creating ServiceMonitors.
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, list, watch]
{{- end }}
