// The room's history on the client side lives in src/shared, since a web guest's page does the same.
export * from '../../shared/room-history'
