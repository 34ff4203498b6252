// A Key Vault with Azure RBAC (no access policies), soft delete + purge protection, HSM-capable
// SKU for HSM-backed keys, and diagnostics (AuditEvent).
param location string
param tags object
param name string
param logAnalyticsId string
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // checkov:skip=CKV_AZURE_109: no VNet in this stamp, so the firewall default stays Allow; data-plane access needs an Entra ID token and an RBAC role on this vault (app identity only). Private endpoint is the follow-up (bicep/README.md).
    // checkov:skip=CKV_AZURE_189: public endpoint kept for the same reason as CKV_AZURE_109: Flex Consumption without VNet integration reaches Key Vault over it.
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'premium'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
