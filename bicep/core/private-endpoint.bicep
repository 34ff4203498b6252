// A private endpoint for one sub-resource (group id) of one service, in the private endpoint
// subnet, with the private DNS zone of that sub-resource linked to the stamp's network and a
// zone group that keeps the endpoint's A record in the zone. Every endpoint of a stamp has its
// own zone (blob, queue, table, documents, vaultcore, servicebus), so the zone lives here.
param location string
param tags object
@description('Private endpoint name.')
param name string
@description('Resource id of the service (storage account, Cosmos DB account, vault, namespace).')
param privateLinkServiceId string
@description('Sub-resource: blob, queue, table, Sql, vault or namespace.')
param groupId string
@description('Private DNS zone of that sub-resource, e.g. privatelink.blob.<the cloud\'s storage suffix>.')
param privateDnsZoneName string
param subnetId string
param virtualNetworkId string
@description('Name of the zone\'s link to the network (unique within the zone).')
param virtualNetworkLinkName string

resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: privateDnsZoneName
  location: 'global'
  tags: tags
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: zone
  name: virtualNetworkLinkName
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: privateLinkServiceId
          groupIds: [groupId]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: replace(privateDnsZoneName, '.', '-')
        properties: {
          privateDnsZoneId: zone.id
        }
      }
    ]
  }
  dependsOn: [link]
}

output id string = endpoint.id
output privateDnsZoneId string = zone.id
