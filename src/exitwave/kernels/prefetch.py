"""A cache prefetch hint for numba kernels that visit memory at random (the decision heaps).

``prefetch(array, index)`` asks the CPU to start loading ``array[index]`` into the cache and
returns at once; it changes no value and cannot fault, so a kernel that prefetches what it will
read a few iterations later computes exactly what it computed without (only sooner: the loads of
several iterations overlap instead of waiting one after another).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch"]


def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Prefetch ``array[index]`` (a 1-d array, an integer index within it) for reading."""
    if not isinstance(array, types.Array) or array.ndim != 1 or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type, index_type = signature.args
        data = context.make_array(array_type)(context, builder, args[0])
        i = context.cast(builder, args[1], index_type, types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [i], wraparound=False,
                                           boundscheck=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch.p0i8")
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), ir.Constant(i32, 0),
                                ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


prefetch: Any = intrinsic(_prefetch)
"""``prefetch(array, index)`` inside a numba kernel (see the module's docstring)."""
