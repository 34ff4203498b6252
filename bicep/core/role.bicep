// Azure RBAC role assignments for one principal, each scoped to a single resource of this
// resource group (never the group or the subscription). One loop per scope kind, because a
// Bicep scope must be a typed resource reference. roleId is a role definition GUID: built-in,
// or a custom role of this subscription (the e-mail sender role of core/email.bicep).
@description('Object id of the principal (a managed identity).')
param principalId string
@description('[{ kind: storage|serviceBusQueue|keyVault|appInsights|communication, name: string, namespace: string (serviceBusQueue only), roleId: role definition GUID }].')
param assignments array

var storageItems = filter(assignments, a => a.kind == 'storage')
var queueItems = filter(assignments, a => a.kind == 'serviceBusQueue')
var vaultItems = filter(assignments, a => a.kind == 'keyVault')
var insightsItems = filter(assignments, a => a.kind == 'appInsights')
var communicationItems = filter(assignments, a => a.kind == 'communication')

resource storages 'Microsoft.Storage/storageAccounts@2023-05-01' existing = [for a in storageItems: {
  name: a.name
}]

resource namespaces 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = [for a in queueItems: {
  name: a.namespace
}]

resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = [for (a, i) in queueItems: {
  parent: namespaces[i]
  name: a.name
}]

resource vaults 'Microsoft.KeyVault/vaults@2023-07-01' existing = [for a in vaultItems: {
  name: a.name
}]

resource components 'Microsoft.Insights/components@2020-02-02' existing = [for a in insightsItems: {
  name: a.name
}]

resource communicationServices 'Microsoft.Communication/communicationServices@2025-05-01' existing = [for a in communicationItems: {
  name: a.name
}]

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (a, i) in storageItems: {
  name: guid(storages[i].id, principalId, a.roleId)
  scope: storages[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
  }
}]

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (a, i) in queueItems: {
  name: guid(queues[i].id, principalId, a.roleId)
  scope: queues[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
  }
}]

resource vaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (a, i) in vaultItems: {
  name: guid(vaults[i].id, principalId, a.roleId)
  scope: vaults[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
  }
}]

resource insightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (a, i) in insightsItems: {
  name: guid(components[i].id, principalId, a.roleId)
  scope: components[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
  }
}]

resource communicationRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (a, i) in communicationItems: {
  name: guid(communicationServices[i].id, principalId, a.roleId)
  scope: communicationServices[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
  }
}]
