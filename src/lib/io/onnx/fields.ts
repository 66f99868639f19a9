/**
 * Field numbers of the ONNX messages, from onnx.proto (IR version 10), shared by the reader and the
 * writer so the two cannot disagree. Fields not listed here are kept as raw bytes by the reader.
 */
export const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, domain: 4, docString: 6, graph: 7, opsetImport: 8 } as const;
export const OPSET_ID = { domain: 1, version: 2 } as const;
export const GRAPH = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13 } as const;
export const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;
export const ATTRIBUTE = {
	name: 1,
	f: 2,
	i: 3,
	s: 4,
	t: 5,
	g: 6,
	floats: 7,
	ints: 8,
	strings: 9,
	tensors: 10,
	graphs: 11,
	docString: 13,
	type: 20
} as const;
export const TENSOR = {
	dims: 1,
	dataType: 2,
	floatData: 4,
	int32Data: 5,
	stringData: 6,
	int64Data: 7,
	name: 8,
	rawData: 9,
	doubleData: 10,
	uint64Data: 11,
	docString: 12,
	externalData: 13,
	dataLocation: 14
} as const;
/** TensorProto.DataLocation.EXTERNAL: the weights live in another file. */
export const DATA_LOCATION_EXTERNAL = 1;
export const VALUE_INFO = { name: 1, type: 2, docString: 3 } as const;
export const TYPE = { tensor: 1 } as const;
export const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
export const SHAPE = { dim: 1 } as const;
export const DIMENSION = { value: 1, param: 2 } as const;

export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;
