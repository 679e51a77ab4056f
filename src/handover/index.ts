/** Listening sockets handed from a running teleport process to its successor at reload. */
export { bindListener, dropAtHandover, listenerKey, stopAndDrain, type HandoverPolicy } from './listeners.js';
export { HANDOVER_ENV, announceReady, isSuccessor, receiveListeners, startSuccessor, type SuccessorOptions } from './successor.js';
