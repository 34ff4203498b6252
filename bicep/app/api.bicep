// This app on Flex Consumption: every setting the code reads (PRIVACY_* of shared/settings.py,
// binding expressions, identity-based connections), never a secret. The Azure adapters are
// selected here; tests/unit/test_deployment_settings.py checks this list against the code.
param location string
param tags object
param planName string
param name string
param storageAccountName string
param deploymentContainerName string
param exportsContainerName string
param blobEndpoint string
param cosmosEndpoint string
@description('Service Bus namespace host name, from the namespace\'s endpoint (sovereign clouds included).')
param serviceBusFullyQualifiedNamespace string
param vaultUri string
param kekName string
param applicationInsightsConnectionString string
param logAnalyticsId string
@description('Diagnostic settings on the function app (not supported on Flex Consumption; off by default).')
param functionAppDiagnostics bool = false
param region string
param regions array
param regionEndpoints object
@description('Entra group object id -> tenant id, list of tenant ids or "*"; {} for none.')
param tenantGroups object
@description('Hand out storage links for DSAR downloads; false when storage is private-only.')
param exportLinks bool
param ingestQueueName string
@description('Queue waking the notification dispatcher.')
param notifyQueueName string
param ingestMaxDelivery int
param retentionCeilings object
param exportWindowDays int
param authClientId string
param authTenantId string
param authAudiences array
param instanceMemoryMB int
param maximumInstanceCount int
param zoneRedundant bool
@description('Extra or replacement app settings, e.g. { PRIVACY_RETENTION_JOB_CRON: \'0 */5 * * * *\' }.')
param appSettingOverrides object = {}
@description('Subnet for the function app\'s VNet integration (privateNetworking); empty: none.')
param virtualNetworkSubnetId string = ''
@description('Azure Communication Services endpoint (https://<host>), reached with the app identity.')
param mailEndpoint string
@description('Sender address of the stamp\'s Azure-managed e-mail domain.')
param mailSender string
@description('The platform\'s on-call address.')
param oncallEmail string

var publicBaseUrl = 'https://${name}.azurewebsites.net'
var ownEndpoint = { '${region}': '${publicBaseUrl}/api' }

var appSettings = [
  // Identity-based connections: a name and an endpoint, the credential is the app identity.
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'SERVICEBUS__fullyQualifiedNamespace'
    value: serviceBusFullyQualifiedNamespace
  }
  {
    name: 'COSMOS__accountEndpoint'
    value: cosmosEndpoint
  }
  {
    name: 'KEYVAULT__vaultUri'
    value: vaultUri
  }
  {
    name: 'EXPORTS__blobServiceUri'
    value: blobEndpoint
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    name: 'AzureWebJobsDisableHomepage'
    value: 'true'
  }
  // OpenTelemetry to Application Insights (azure-monitor-opentelemetry) with the app identity:
  // the connection string above only locates the resource, the AAD setting authenticates.
  {
    name: 'PRIVACY_OTEL_EXPORTER'
    value: 'azure'
  }
  // E-mail through Azure Communication Services with the app identity (core/email.bicep).
  {
    name: 'PRIVACY_MAIL_BACKEND'
    value: 'acs'
  }
  {
    name: 'PRIVACY_MAIL_ENDPOINT'
    value: mailEndpoint
  }
  {
    name: 'PRIVACY_MAIL_SENDER'
    value: mailSender
  }
  {
    name: 'PRIVACY_ONCALL_EMAIL'
    value: oncallEmail
  }
  // Absolute console links in e-mails and webhooks (contracts: PRIVACY_CONSOLE_BASE_URL).
  {
    name: 'PRIVACY_CONSOLE_BASE_URL'
    value: publicBaseUrl
  }
  // Admin calls need a multi-factor sign-in (the amr claim; bicep/README.md, MFA).
  {
    name: 'PRIVACY_REQUIRE_MFA'
    value: 'true'
  }
  // Adapters and region.
  {
    name: 'PRIVACY_STORE_BACKEND'
    value: 'cosmos'
  }
  {
    name: 'PRIVACY_BUS_BACKEND'
    value: 'servicebus'
  }
  {
    name: 'PRIVACY_KEYS_BACKEND'
    value: 'keyvault'
  }
  {
    name: 'PRIVACY_DEV_AUTH'
    value: 'false'
  }
  {
    name: 'PRIVACY_REGION'
    value: region
  }
  {
    name: 'PRIVACY_REGIONS'
    value: join(regions, ',')
  }
  {
    name: 'PRIVACY_REGION_ENDPOINTS'
    value: string(union(ownEndpoint, regionEndpoints))
  }
  {
    name: 'PRIVACY_TENANT_GROUPS'
    value: string(tenantGroups)
  }
  {
    name: 'PRIVACY_EXPORT_LINKS'
    value: exportLinks ? 'true' : 'false'
  }
  {
    name: 'PRIVACY_DATA_DIR'
    value: '/tmp/privacy'
  }
  {
    name: 'PRIVACY_COSMOS_DATABASE'
    value: 'privacy'
  }
  {
    name: 'PRIVACY_COSMOS_CONTROL_DATABASE'
    value: 'control'
  }
  {
    name: 'PRIVACY_EXPORTS_CONTAINER'
    value: exportsContainerName
  }
  {
    name: 'PRIVACY_KEK_NAME'
    value: kekName
  }
  // Ingest.
  {
    name: 'PRIVACY_INGEST_QUEUE'
    value: ingestQueueName
  }
  {
    name: 'PRIVACY_NOTIFY_QUEUE'
    value: notifyQueueName
  }
  {
    name: 'PRIVACY_NOTIFY_CRON'
    value: '*/30 * * * * *'
  }
  // Webhook URLs must lead to public https addresses in Azure (the app refuses to start
  // with loopback URLs allowed on an Azure instance).
  {
    name: 'PRIVACY_WEBHOOK_LOCAL_URLS'
    value: 'false'
  }
  {
    name: 'PRIVACY_INGEST_MAX_DELIVERY'
    value: string(ingestMaxDelivery)
  }
  {
    name: 'PRIVACY_WIDGET_RATE_PER_SECOND'
    value: '50'
  }
  {
    name: 'PRIVACY_WIDGET_RATE_BURST'
    value: '100'
  }
  {
    name: 'PRIVACY_TENANT_CACHE_SECONDS'
    value: '30'
  }
  {
    name: 'PRIVACY_WIDGET_IP_RATE_PER_SECOND'
    value: '10'
  }
  {
    name: 'PRIVACY_WIDGET_IP_RATE_BURST'
    value: '40'
  }
  {
    name: 'PRIVACY_UNKNOWN_KEY_RATE_PER_SECOND'
    value: '0.5'
  }
  {
    name: 'PRIVACY_UNKNOWN_KEY_RATE_BURST'
    value: '10'
  }
  {
    name: 'PRIVACY_WIDGET_PRIVACY_REQUESTS_PER_HOUR'
    value: '5'
  }
  {
    name: 'PRIVACY_DSR_RECORD_DAYS'
    value: '1095'
  }
  {
    name: 'PRIVACY_DSR_RECORD_DAYS_CEILING'
    value: '365'
  }
  // Retention and schedules (NCRONTAB, six fields, UTC).
  {
    name: 'PRIVACY_RETENTION_CEILINGS'
    value: string(retentionCeilings)
  }
  {
    name: 'PRIVACY_PURGE_CRON'
    value: '0 */5 * * * *'
  }
  {
    name: 'PRIVACY_SWEEP_CRON'
    value: '0 15 * * * *'
  }
  {
    name: 'PRIVACY_RETENTION_JOB_CRON'
    value: '*/30 * * * * *'
  }
  {
    name: 'PRIVACY_HOUSEKEEPING_CRON'
    value: '0 30 3 * * *'
  }
  {
    name: 'PRIVACY_OFFBOARDING_CRON'
    value: '0 */10 * * * *'
  }
  {
    name: 'PRIVACY_DSAR_HOUSEKEEPING_CRON'
    value: '0 */5 * * * *'
  }
  {
    name: 'PRIVACY_INCIDENT_CRON'
    value: '0 */10 * * * *'
  }
  {
    name: 'PRIVACY_KEY_ROTATION_CRON'
    value: '0 0 2 * * *'
  }
  {
    name: 'PRIVACY_SWEEP_MAX_ITEMS'
    value: '50000'
  }
  {
    name: 'PRIVACY_SWEEP_MAX_SECONDS'
    value: '60'
  }
  {
    name: 'PRIVACY_DEAD_LETTER_DAYS'
    value: '14'
  }
  {
    name: 'PRIVACY_EXPORT_WINDOW_DAYS'
    value: string(exportWindowDays)
  }
  {
    name: 'PRIVACY_CONSENT_PROOF_YEARS'
    value: '3'
  }
]

var overrides = [for o in items(appSettingOverrides): { name: o.key, value: string(o.value) }]

module functionApp '../core/function-flex.bicep' = {
  name: 'function-flex'
  params: {
    location: location
    tags: tags
    planName: planName
    name: name
    serviceName: 'api'
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    zoneRedundant: zoneRedundant
    appSettings: concat(filter(appSettings, s => !contains(appSettingOverrides, s.name)), overrides)
    authClientId: authClientId
    authTenantId: authTenantId
    authAudiences: authAudiences
    logAnalyticsId: logAnalyticsId
    diagnostics: functionAppDiagnostics
    virtualNetworkSubnetId: virtualNetworkSubnetId
  }
}

output name string = functionApp.outputs.name
output principalId string = functionApp.outputs.principalId
output uri string = 'https://${functionApp.outputs.defaultHostName}'
