// A Linux function app on the Flex Consumption plan (FC1) with a system-assigned identity,
// its deployment package in a blob container reached with that identity and App Service
// Authentication (Entra ID) in front of it. Optionally integrated with a subnet (delegated to
// Microsoft.App/environments) with all outbound traffic routed through it. Function logs go to
// Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING); diagnostic settings on a Flex
// app are listed as unsupported, so they are off unless asked for.
param location string
param tags object
param planName string
param name string
@description('azd service name: the tag azd deploy looks for.')
param serviceName string
param storageAccountName string
param deploymentContainerName string
@allowed(['python'])
param runtimeName string = 'python'
@allowed(['3.11'])
param runtimeVersion string = '3.11'
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100
param zoneRedundant bool = false
@description('App settings: [{ name: string, value: string }]. Names only, never secrets.')
param appSettings array
@description('Entra ID application (client) id of the API app registration that bearer tokens are issued for.')
param authClientId string
param authTenantId string
@description('Audiences accepted in bearer tokens.')
param authAudiences array
param logAnalyticsId string
@description('Diagnostic settings (FunctionAppLogs, metrics) to Log Analytics. Listed as not supported on Flex Consumption: off by default; Application Insights has the function logs.')
param diagnostics bool = false
@description('Subnet for VNet integration (delegated to Microsoft.App/environments); empty: no integration.')
param virtualNetworkSubnetId string = ''

var vnetIntegrated = !empty(virtualNetworkSubnetId)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // checkov:skip=CKV_AZURE_225: zone redundancy of Flex Consumption depends on the region; it is the zoneRedundant parameter (default false so a stamp deploys in every Flex region), set it true where the region supports it.
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // checkov:skip=CKV_AZURE_222: public on purpose: the widget endpoints are called from visitors' browsers on any site; admin routes are behind Entra ID tokens and app roles.
    // checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP/FTPS endpoint and rejects siteConfig.ftpsState (a deprecated property on this plan); deployments go through the blob container with the app identity.
    // checkov:skip=CKV_AZURE_17: browsers do not present client certificates, and Flex Consumption does not support certificate features; admin callers authenticate with Entra ID bearer tokens.
    // checkov:skip=CKV_AZURE_212: Flex Consumption has no worker count: it scales each function group from zero to maximumInstanceCount by itself.
    // checkov:skip=CKV_AZURE_213: App Service health check evicts unhealthy instances of a fixed pool; Flex instances are ephemeral and scale to zero, so probe GET /api/v1/health from an availability test instead.
    // checkov:skip=CKV_AZURE_18: Flex Consumption ignores siteConfig.http20Enabled (issue 19), so it is not set; a value the plan does not read would only look like a guarantee.
    // checkov:skip=CKV_AZURE_67: same property as CKV_AZURE_18 (siteConfig.http20Enabled), read by this check for function apps; Flex Consumption ignores it.
    serverFarmId: plan.id
    // Outbound through the stamp's network: the private endpoints of storage (host and
    // deployment package), Cosmos DB, Key Vault and Service Bus resolve through its DNS zones.
    virtualNetworkSubnetId: vnetIntegrated ? virtualNetworkSubnetId : null
    vnetRouteAllEnabled: vnetIntegrated
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    clientAffinityEnabled: false
    // Only what Flex Consumption uses: it ignores http20Enabled and remoteDebuggingEnabled, so
    // neither is set (a value that does nothing reads like a guarantee).
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

// Entra ID in front of the app. Anonymous requests still reach it (the widget endpoints are
// public); a request with a valid bearer token gets X-MS-CLIENT-PRINCIPAL injected, and the
// platform strips that header when a client sends it. The app answers 401/403 on admin routes.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    // checkov:skip=CKV_AZURE_13: false positive: it reads the V1 authsettings shape (properties.enabled); V2 is switched on at properties.platform.enabled, which CKV_AZURE_56 checks and passes.
    // checkov:skip=CKV_AZURE_63: false positive: HTTP logging belongs to the 'web' config resource, not to authsettingsV2; on Flex, request telemetry goes to Application Insights.
    // checkov:skip=CKV_AZURE_65: false positive: detailed error pages belong to the 'web' config resource, not to authsettingsV2 (and are off, the safe default, for a privacy API).
    // checkov:skip=CKV_AZURE_66: false positive: failed request tracing belongs to the 'web' config resource, not to authsettingsV2; Flex traces go to Application Insights.
    // checkov:skip=CKV_AZURE_80: false positive: .NET Framework version does not apply to authsettingsV2 nor to a Python app.
    // checkov:skip=CKV_AZURE_88: false positive: Azure Files mounts belong to the 'azurestorageaccounts' config; Flex runs from its blob deployment container and keeps no file share.
    // checkov:skip=CKV_AZURE_222: false positive: public network access is a site property (skipped on the site with its reason), not part of authsettingsV2.
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        isAutoProvisioned: false
        registration: {
          clientId: authClientId
          // v1.0 issuer (no /v2.0): the admin API's registration issues v1.0 access tokens
          // (api.requestedAccessTokenVersion=1, bicep/README.md), the only version that carries
          // the amr claim PRIVACY_REQUIRE_MFA checks. The metadata behind this URL names the
          // v1.0 issuer (https://sts.windows.net/<tenant>/) the platform then validates.
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/'
        }
        validation: {
          allowedAudiences: authAudiences
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

resource diagnosticSettings 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (diagnostics) {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ category: 'FunctionAppLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
