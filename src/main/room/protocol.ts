// The Tincan extension lives in src/shared, since a web guest's browser transport speaks it too.
export * from '../../shared/room-protocol'
