"""Every sentence, heading and label of the reports, in English and Spanish side by side."""
from __future__ import annotations

import re

LANGS = ("en", "es")

# key -> (English, Spanish). {name} is a placeholder when `name` is passed to t(); $...$ is inline math.
TEXT: dict[str, tuple[str, str]] = {
    # common
    "exercise": ("Exercise", "Ejercicio"),
    "generated": ("Worked solution written by derive from {file}. Every number below is computed, "
                  "not typed.", "Solución desarrollada por derive a partir de {file}. Todos los números "
                  "que siguen están calculados, no escritos a mano."),
    "other_lang": ("Also in Spanish: {link}.", "También en inglés: {link}."),
    "reproduce": ("Reproduce it with torch", "Reprodúcelo con torch"),
    "reproduce_intro": ("The code below recomputes the results with torch. In the notebook version of "
                        "this report it runs as it is.", "El código siguiente recalcula los resultados con "
                        "torch. En la versión cuaderno (notebook) de este informe se ejecuta tal cual."),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    # choices: seeds and kink conventions
    "seed_scalars": ("The outputs {outputs} are weighed by the seed {seed}: derive differentiates {target}, their "
                     "weighted sum, which is what calling backward with that seed does. Its gradient is the "
                     "vector-Jacobian product $v^{\\top} J$: for each input, the sum over outputs of seed × "
                     "the output's partial derivative.",
                     "Las salidas {outputs} se ponderan con la semilla {seed}: derive deriva {target}, su suma "
                     "ponderada, que es lo que hace backward con esa semilla. Su gradiente es el producto "
                     "vector-jacobiano $v^{\\top} J$: para cada entrada, la suma sobre las salidas de la semilla "
                     "por la derivada parcial de esa salida."),
    "seed_tensor": ("The output {outputs} is a tensor, weighed element by element by the seed {seed}, as "
                    "{code} does: derive differentiates {target}, the sum of seed ⊙ output. Its gradient is the "
                    "vector-Jacobian product $v^{\\top} J$: for each input, the sum over the output's elements of "
                    "seed × that element's partial derivative.",
                    "La salida {outputs} es un tensor, ponderado elemento a elemento por la semilla {seed}, como "
                    "hace {code}: derive deriva {target}, la suma de semilla ⊙ salida. Su gradiente es el producto "
                    "vector-jacobiano $v^{\\top} J$: para cada entrada, la suma sobre los elementos de la salida "
                    "de la semilla por la derivada parcial de ese elemento."),
    "kink_torch": ("At a kink the derivative does not exist. The numbers that pass through it here follow "
                   "torch's convention (what its autograd returns there, measured with the installed torch), "
                   "as the exercise asks (kink = \"torch\"): a convention, not the derivative.",
                   "En un punto anguloso la derivada no existe. Los números que pasan por él siguen aquí la "
                   "convención de torch (lo que devuelve su autograd, medido con el torch instalado), como pide "
                   "el ejercicio (kink = \"torch\"): una convención, no la derivada."),
    "kink_subgradient": ("At a kink the derivative does not exist. The numbers that pass through it here use "
                         "the subgradient of least norm of each function, as the exercise asks (kink = "
                         "\"subgradient\"): relu′(0) = 0, |x|′ = 0 at 0, and max or min share 1 equally among "
                         "the tied arguments. A convention, not the derivative.",
                         "En un punto anguloso la derivada no existe. Los números que pasan por él usan aquí el "
                         "subgradiente de norma mínima de cada función, como pide el ejercicio (kink = "
                         "\"subgradient\"): relu′(0) = 0, |x|′ = 0 en 0, y max o min reparten 1 a partes iguales "
                         "entre los argumentos empatados. Una convención, no la derivada."),
    # the student's version
    "stu_title": ("{title}: student's sheet", "{title}: hoja del estudiante"),
    "stu_instructions": ("Work out the steps below by hand, writing each answer in its blank. Keep exact values where "
                       "you can (fractions, e, roots) and give decimals to four significant digits otherwise.",
                       "Resuelve a mano los pasos siguientes y escribe cada respuesta en su hueco. Conserva los "
                       "valores exactos cuando puedas (fracciones, e, raíces) y da los decimales con cuatro cifras "
                       "significativas en otro caso."),
    "stu_graph_caption": ("The computational graph of {target}, to label: write each node's value in its box and "
                        "each local derivative on its arrow.", "El grafo computacional de {target}, para "
                        "completar: escribe el valor de cada nodo en su caja y cada derivada local en su flecha."),
    "stu_forward": ("Forward pass", "Paso hacia delante"),
    "stu_forward_text": ("Compute the value of each formula at the point, in order.",
                       "Calcula el valor de cada fórmula en el punto, en orden."),
    "stu_local": ("Local derivatives", "Derivadas locales"),
    "stu_local_text": ("Differentiate each formula with respect to each quantity it uses, as if the others were "
                     "constants, and evaluate it at the point.", "Deriva cada fórmula respecto de cada cantidad "
                     "que usa, como si las demás fueran constantes, y evalúala en el punto."),
    "stu_backward": ("Backward pass", "Paso hacia atrás"),
    "stu_backward_text": ("Starting from {target}, whose adjoint is 1, compute the adjoint of each node: the sum, over "
                        "the formulas that use it, of their adjoint times the local derivative.",
                        "Empezando por {target}, cuyo adjunto es 1, calcula el adjunto de cada nodo: la suma, sobre "
                        "las fórmulas que lo usan, de su adjunto por la derivada local."),
    "stu_gradient": ("The gradient", "El gradiente"),
    "stu_gradient_text": ("Write the partial derivatives of {target} with respect to the inputs.",
                        "Escribe las derivadas parciales de {target} respecto de las entradas."),
    "stu_check": ("When you are done, check your numbers with PyTorch's autograd and with a finite difference "
                "(f(x + h) − f(x − h))/(2h) for a small h.", "Cuando acabes, comprueba tus números con el "
                "autograd de PyTorch y con una diferencia finita (f(x + h) − f(x − h))/(2h) para un h pequeño."),
    # training steps
    "train": ("A training step", "Un paso de entrenamiento"),
    "train_many": ("Training steps", "Pasos de entrenamiento"),
    "train_sgd": ("One step of gradient descent with learning rate {eta} moves each parameter against its "
                  "gradient, so that {target} goes down:", "Un paso de descenso por gradiente con tasa de "
                  "aprendizaje {eta} mueve cada parámetro en contra de su gradiente, para que {target} baje:"),
    "train_momentum": ("Gradient descent with momentum ({eta}, {beta}, as torch.optim.SGD): a buffer $b$ keeps a "
                       "running sum of gradients, $b \\leftarrow \\beta b + \\nabla$, starting at the first "
                       "gradient, and each parameter moves by $-\\eta b$. The first step is the plain one:",
                       "Descenso por gradiente con momento ({eta}, {beta}, como torch.optim.SGD): un acumulador $b$ "
                       "guarda una suma de gradientes, $b \\leftarrow \\beta b + \\nabla$, que empieza en el "
                       "primer gradiente, y cada parámetro se mueve $-\\eta b$. El primer paso es el simple:"),
    "train_loss": ("At the new point {target} is {after} (it was {before}).",
                   "En el nuevo punto {target} vale {after} (antes valía {before})."),
    "train_table": ("{target} after each of the {steps} steps (step 0 is the starting point):",
                    "{target} tras cada uno de los {steps} pasos (el paso 0 es el punto de partida):"),
    "train_caption": ("{target} against the training step.", "{target} frente al paso de entrenamiento."),
    "step_axis": ("step", "paso"),
    # second derivatives
    "hessian": ("Second derivatives: the Hessian", "Derivadas segundas: la hessiana"),
    "hessian_text": ("The Hessian collects the second derivatives of {target}, one row per input. It follows "
                     "from the graph by differentiating the backward pass: each adjoint of an input is itself a "
                     "function of all the inputs, so nudging one input $v$ and following the nudge through the "
                     "forward pass and then through the backward pass (forward-over-reverse) changes every "
                     "adjoint; the rates of those changes are the column of $v$. The Hessian is symmetric, since "
                     "the order of two differentiations does not matter for smooth functions:",
                     "La hessiana reúne las derivadas segundas de {target}, una fila por entrada. Sale del grafo "
                     "derivando el paso hacia atrás: cada adjunto de una entrada es a su vez una función de todas "
                     "las entradas, así que al mover un poco una entrada $v$ y seguir ese cambio por el paso "
                     "hacia delante y luego por el paso hacia atrás (forward-over-reverse), cambian todos los "
                     "adjuntos; los ritmos de esos cambios son la columna de $v$. La hessiana es simétrica, "
                     "porque el orden de dos derivaciones no importa en funciones suaves:"),
    "hessian_exact": ("Exactly, each closed form of the gradient differentiated once more and evaluated at the "
                      "point:", "Exactamente, cada forma cerrada del gradiente derivada una vez más y evaluada en "
                      "el punto:"),
    "hessian_no_exact": ("Its exact form is not given here (too large, or a tensor exercise); the numbers are "
                         "computed to 30 digits by differences of a 200-digit backward pass.",
                         "Su forma exacta no se da aquí (demasiado grande, o un ejercicio de tensores); los números "
                         "se calculan con 30 cifras por diferencias de un paso hacia atrás a 200 cifras."),
    "hessian_checks": ("torch's numbers beside them (largest relative error): {errors}.",
                       "Los números de torch a su lado (mayor error relativo): {errors}."),
    "hm_torch_hessian": ("`torch.autograd.functional.hessian`", "`torch.autograd.functional.hessian`"),
    "hm_autograd_differences": ("central differences of autograd's gradient", "diferencias centradas del "
                                "gradiente de autograd"),
    "hm_autograd_repeated": ("autograd.grad applied {n} times", "autograd.grad aplicado {n} veces"),
    "higher": ("The derivative of order {n}", "La derivada de orden {n}"),
    "higher_text": ("Differentiating {target} {n} times with respect to {x}: the closed form of the gradient, "
                    "differentiated {m} more times and evaluated at the point (the digits checked by mpmath's "
                    "differences at raised precision):", "Derivando {target} {n} veces respecto de {x}: la forma "
                    "cerrada del gradiente, derivada {m} veces más y evaluada en el punto (las cifras, "
                    "comprobadas con las diferencias de mpmath a precisión aumentada):"),
    # gradient: statement
    "g_statement": ("Statement", "Enunciado"),
    "g_statement_text": ("At the point", "En el punto"),
    "g_formulas": ("the model is computed by these formulas:", "el modelo se calcula con estas fórmulas:"),
    "g_task": ("We want the gradient of {target}, that is, the partial derivatives",
               "Queremos el gradiente de {target}, es decir, las derivadas parciales"),
    "g_three_ways": ("We compute them three ways: by hand (the chain rule, node by node), with PyTorch's "
                     "autograd, and with finite differences.", "Las calculamos de tres maneras: a mano (la regla "
                     "de la cadena, nodo a nodo), con el autograd de PyTorch y con diferencias finitas."),
    # forward
    "g_forward": ("1. Forward pass", "1. Paso hacia delante"),
    "g_forward_text": ("Each formula is evaluated in order, once its inputs are known: the formula, its "
                       "inputs substituted, and the value (exact, then to 30 significant digits).",
                       "Cada fórmula se evalúa en orden, cuando sus entradas ya se conocen: la fórmula, "
                       "sus entradas sustituidas y el valor (exacto y luego con 30 cifras significativas)."),
    # graph
    "g_graph": ("2. The computational graph", "2. El grafo computacional"),
    "g_graph_text": ("Each node is an input or a formula; an arrow goes from each quantity to every "
                     "formula that uses it, labelled with the local derivative at the point. Inputs are on "
                     "the left, {target} on the right.",
                     "Cada nodo es una entrada o una fórmula; una flecha va de cada cantidad a cada fórmula "
                     "que la usa, con la derivada local en el punto como etiqueta. Las entradas están a la "
                     "izquierda y {target}, a la derecha."),
    "g_graph_caption": ("The computational graph of {target}: node values and, on each arrow, the local "
                        "derivative at the point. Inputs that are not differentiated are grey and dashed.",
                        "El grafo computacional de {target}: el valor de cada nodo y, en cada flecha, la derivada "
                        "local en el punto. Las entradas respecto de las que no se deriva van en gris y a trazos."),
    "graph_stopped": ("Dashed arrows go into detach: the value flows along them, the derivative does not (it is 0).",
                      "Las flechas a trazos entran en detach: el valor pasa por ellas, la derivada no (es 0)."),
    "g_graph_files": ("The same graph as Mermaid (drawn by GitHub below), Graphviz DOT and TikZ:",
                      "El mismo grafo en Mermaid (GitHub lo dibuja abajo), Graphviz DOT y TikZ:"),
    "g_graph_summary": ("The graph has {nodes} nodes and {edges} arrows: the figure summarises it by layer.",
                        "El grafo tiene {nodes} nodos y {edges} flechas: la figura lo resume por capas."),
    # local derivatives
    "g_local": ("3. Local derivatives", "3. Derivadas locales"),
    "g_local_text": ("Each arrow carries the derivative of a formula with respect to one of its inputs, "
                     "taken as if the other inputs were constants. Written symbolically (with the cases of "
                     "max, min, abs and relu), then at the point:",
                     "Cada flecha lleva la derivada de una fórmula respecto de una de sus entradas, tomando "
                     "las demás como constantes. Primero simbólica (con los casos de max, min, abs y relu) "
                     "y después en el punto:"),
    "g_local_kink": ("undefined: the point sits on the kink", "no definida: el punto está en el pliegue"),
    # backward
    "g_backward": ("4. Backward pass (the chain rule)", "4. Paso hacia atrás (la regla de la cadena)"),
    "g_backward_text": ("Write {bar} for the derivative of {target} with respect to a node $v$ (its adjoint). "
                        "It starts at 1 for {target} itself; going from right to left, each node adds up, "
                        "over the formulas that use it, the adjoint of that formula times the local "
                        "derivative on the arrow:", "Escribimos {bar} para la derivada de {target} respecto "
                        "de un nodo $v$ (su adjunto). Vale 1 para el propio {target}; de derecha a izquierda, "
                        "cada nodo suma, sobre las fórmulas que lo usan, el adjunto de esa fórmula por la "
                        "derivada local de la flecha:"),
    # gradients
    "g_result": ("5. The gradient", "5. El gradiente"),
    "g_result_text": ("The adjoints of the inputs are the partial derivatives we wanted:",
                      "Los adjuntos de las entradas son las derivadas parciales buscadas:"),
    "g_closed": ("As formulas, written with the quantities defined above (valid wherever no max, min, abs or "
                 "relu sits on its kink):", "Como fórmulas, escritas con las cantidades definidas arriba (válidas "
                 "donde ningún max, min, abs o relu está en su pliegue):"),
    "g_closed_omitted": ("The closed form of {d} is too large to print; its exact value above is exact.",
                         "La forma cerrada de {d} es demasiado grande para escribirla; su valor de arriba es exacto."),
    "g_closed_convention": ("{d} has no closed form valid at this point: a kink lies on the way, and the number "
                            "above comes from the convention.", "{d} no tiene aquí una forma cerrada válida: hay un "
                            "punto anguloso por el camino, y el número de arriba sale de la convención."),
    "g_more": ("… and {more} more rows, left out here: `python -m derive gradients FILE --json` has them all.",
               "… y {more} filas más, omitidas aquí: `python -m derive gradients FILE --json` las tiene todas."),
    "g_input": ("input", "entrada"),
    "g_exact": ("exact", "exacto"),
    "g_decimal": ("decimal (30 digits)", "decimal (30 cifras)"),
    "g_undefined": ("undefined (kink)", "no definida (pliegue)"),
    # tensor exercises
    "t_backward": ("3. Backward pass (the chain rule, in matrices)", "3. Paso hacia atrás (la regla de la cadena, con matrices)"),
    "t_result": ("4. The gradient", "4. El gradiente"),
    "t_checks": ("5. Checking with autograd and finite differences", "5. Comprobación con autograd y diferencias finitas"),
    "t_diagnostics": ("6. What the numbers tell us", "6. Qué nos dicen los números"),
    "t_statement_text": ("The inputs, with their shapes ((n,) is a vector, (rows, columns) a matrix, () a number):",
                         "Las entradas, con sus formas ((n,) es un vector, (filas, columnas) una matriz, () un "
                         "número):"),
    "t_task": ("We want the gradient of {target} with respect to each input: a tensor of the same shape as the input, "
               "whose elements are the partial derivatives",
               "Queremos el gradiente de {target} respecto de cada entrada: un tensor de la misma forma que la "
               "entrada, cuyos elementos son las derivadas parciales"),
    "t_shapes_note": ("As in PyTorch: $W x$ and `@` are matrix products, $u \\cdot v$ a dot product, $\\odot$, `*`, `+`, "
                      "`^` and every function act element by element, and a smaller shape is broadcast (a bias added "
                      "to every row of a batch). A vector $(v_1, v_2)^{\\top}$ is a column.",
                      "Como en PyTorch: $W x$ y `@` son productos de matrices, $u \\cdot v$ un producto escalar, "
                      "$\\odot$, `*`, `+`, `^` y todas las funciones actúan elemento a elemento, y una forma menor se "
                      "difunde (un sesgo sumado a cada fila de un lote). Un vector $(v_1, v_2)^{\\top}$ es una columna."),
    "t_forward_text": ("Each formula once, with its shape, then its value (exact where short, else 6 significant "
                       "digits; `python -m derive gradients FILE --json` has 30 digits of every element).",
                       "Cada fórmula una vez, con su forma, y después su valor (exacto si es corto; si no, 6 cifras "
                       "significativas; `python -m derive gradients FILE --json` da 30 cifras de cada elemento)."),
    "t_graph_text": ("One box per tensor, with its shape and, when small, its value; an arrow from each quantity to "
                     "every formula that uses it, labelled with what its adjoint is multiplied by on the way back. "
                     "Inputs are on the left, {target} on the right.",
                     "Una caja por tensor, con su forma y, si es pequeño, su valor; una flecha de cada cantidad a "
                     "cada fórmula que la usa, con aquello por lo que se multiplica su adjunto a la vuelta. Las "
                     "entradas están a la izquierda y {target}, a la derecha."),
    "t_graph_caption": ("The computational graph of {target} at the level of tensors. Inputs that are not "
                        "differentiated are grey and dashed.", "El grafo computacional de {target} a nivel de "
                        "tensores. Las entradas respecto de las que no se deriva van en gris y a trazos."),
    "t_graph_files": ("The same graph as Mermaid (drawn by GitHub below) and Graphviz DOT:",
                      "El mismo grafo en Mermaid (GitHub lo dibuja abajo) y Graphviz DOT:"),
    "t_backward_text": ("Write {bar} for the gradient of {target} with respect to a tensor $v$: it has the shape of $v$. "
                        "From {target} back to the inputs, each formula passes its adjoint to what it uses through "
                        "each operation's vector-Jacobian product: first the rule in matrix notation, then the same "
                        "with the numbers. A quantity used by several formulas adds up what each sends back "
                        "($\\mathrel{+}=$). Shapes are on the right; an operation's intermediate result is named "
                        "with a superscript, $h^{(1)}$.",
                        "Escribimos {bar} para el gradiente de {target} respecto de un tensor $v$: tiene la forma de "
                        "$v$. De {target} hacia las entradas, cada fórmula pasa su adjunto a lo que usa mediante el "
                        "producto vector-jacobiano de cada operación: primero la regla en notación matricial y "
                        "después con los números. Una cantidad que usan varias fórmulas suma lo que cada una le "
                        "devuelve ($\\mathrel{+}=$). Las formas están a la derecha; el resultado intermedio de una "
                        "operación se nombra con un superíndice, $h^{(1)}$."),
    "t_result_text": ("The gradient with respect to each input, a tensor of the input's shape:",
                      "El gradiente respecto de cada entrada, un tensor de la forma de la entrada:"),
    "t_kink_elements": ("Elements marked undef. pass through a function exactly on its kink: they are undefined.",
                        "Los elementos marcados undef. pasan por una función justo en su pliegue: no están definidos."),
    "t_checks_text": ("The model runs in torch, one torch operation per formula. Autograd gives every element of the "
                      "gradient in float64 and float32; central differences change one element at a time by $h$ "
                      "($10^{-1}, \\ldots, 10^{-12}$) for up to 64 of the {count} elements (a seeded sample beyond "
                      "that, and then the whole gradient along random directions). The table gives, per input, the "
                      "largest relative error of its elements against the exact value.",
                      "El modelo se ejecuta en torch, una operación de torch por fórmula. Autograd da cada elemento "
                      "del gradiente en float64 y float32; las diferencias centradas cambian un elemento cada vez en "
                      "$h$ ($10^{-1}, \\ldots, 10^{-12}$) para hasta 64 de los {count} elementos (una muestra con "
                      "semilla si hay más, y entonces el gradiente entero a lo largo de direcciones aleatorias). La "
                      "tabla da, por entrada, el mayor error relativo de sus elementos frente al valor exacto."),
    "t_col_input": ("input", "entrada"),
    "t_col_elements": ("elements", "elementos"),
    "t_col_auto64": ("autograd float64", "autograd float64"),
    "t_col_auto32": ("autograd float32", "autograd float32"),
    "t_col_central": ("best central difference", "mejor diferencia centrada"),
    "t_worst": ("Largest relative error over the elements.", "Mayor error relativo entre los elementos."),
    "t_directional": ("Along {k} random directions $u$, the central difference of $f(x + h u)$ matches the exact "
                      "$\\langle \\nabla f, u \\rangle$ to a relative error of at most {err}.",
                      "A lo largo de {k} direcciones aleatorias $u$, la diferencia centrada de $f(x + h u)$ coincide con "
                      "el exacto $\\langle \\nabla f, u \\rangle$ con un error relativo de como mucho {err}."),
    "t_all_agree": ("every element agrees with autograd to the tolerances.",
                    "todos los elementos coinciden con autograd dentro de las tolerancias."),
    # numeric checks
    "g_checks": ("6. Checking with autograd and finite differences",
                 "6. Comprobación con autograd y diferencias finitas"),
    "g_checks_text": ("The model runs in torch node by node. Autograd differentiates the same computation "
                      "exactly up to rounding, in float64 and float32. A finite difference changes one input "
                      "by a small step $h$ and divides the change of {target} by $h$: forward "
                      "$(f(x + h) - f(x))/h$, central $(f(x + h) - f(x - h))/(2h)$, for $h = 10^{-1}, \\ldots, 10^{-12}$, "
                      "and Richardson extrapolation of the central ones. Relative errors are against the "
                      "exact value.",
                      "El modelo se ejecuta en torch nodo a nodo. Autograd deriva el mismo cálculo, exacto "
                      "salvo redondeo, en float64 y float32. Una diferencia finita cambia una entrada en un "
                      "paso pequeño $h$ y divide el cambio de {target} entre $h$: hacia delante "
                      "$(f(x + h) - f(x))/h$, centrada $(f(x + h) - f(x - h))/(2h)$, para $h = 10^{-1}, \\ldots, 10^{-12}$, "
                      "y la extrapolación de Richardson de las centradas. Los errores relativos se miden "
                      "contra el valor exacto."),
    "g_col_exact": ("exact", "exacto"),
    "g_col_auto64": ("autograd float64", "autograd float64"),
    "g_col_auto32": ("autograd float32", "autograd float32"),
    "g_col_central": ("best central difference", "mejor diferencia centrada"),
    "g_col_richardson": ("Richardson", "Richardson"),
    "g_col_verdict": ("verdict", "veredicto"),
    "g_verdict_all": ("Verdict for every input:", "Veredicto para todas las entradas:"),
    "g_rel": ("relative error", "error relativo"),
    "v_auto_ok": ("autograd agrees", "autograd coincide"),
    "v_auto_bad": ("autograd DISAGREES", "autograd NO coincide"),
    "v_fd_ok": ("finite differences agree", "las diferencias finitas coinciden"),
    "v_fd_zero": ("finite differences cannot see it: {target} rounds to 0", "las diferencias finitas no lo "
                  "ven: {target} se redondea a 0"),
    "v_fd_bad": ("finite differences cannot resolve it to $10^{-6}$", "las diferencias finitas no lo resuelven "
                 "a $10^{-6}$"),
    "v_kink": ("undefined at a kink: autograd returns a convention", "no definida en un pliegue: autograd "
               "devuelve una convención"),
    "g_parentheses": ("In parentheses: the relative error, and the step of the best central difference.",
                      "Entre paréntesis: el error relativo y el paso de la mejor diferencia centrada."),
    "g_tolerances": ("Agreement means a relative error of at most $10^{-10}$ for autograd in float64 ($10^{-4}$ in "
                     "float32) and $10^{-6}$ for the best central difference.",
                     "Coincidir significa un error relativo de $10^{-10}$ como mucho para autograd en float64 "
                     "($10^{-4}$ en float32) y de $10^{-6}$ para la mejor diferencia centrada."),
    "g_steps_caption": ("Relative error of finite differences against the step h (log-log), for each input. "
                        "Too large a step suffers truncation error, too small a step rounding error.",
                        "Error relativo de las diferencias finitas frente al paso h (log-log), para cada "
                        "entrada. Un paso grande sufre error de truncamiento; uno muy pequeño, error de redondeo."),
    "fig_step": ("step h", "paso h"),
    "fig_rel_error": ("relative error", "error relativo"),
    "fig_forward": ("forward", "hacia delante"),
    "fig_central": ("central", "centrada"),
    "fig_tolerance": ("tolerance $10^{-6}$", "tolerancia $10^{-6}$"),
    # diagnostics
    "g_diagnostics": ("7. What the numbers tell us", "7. Qué nos dicen los números"),
    "g_all_well": ("Nothing unusual: every value is well inside the range of floating-point numbers, and "
                   "the three methods agree.", "Nada anómalo: todos los valores están holgadamente dentro del "
                   "rango de los números en coma flotante y los tres métodos coinciden."),
    "d_saturation": ("{node} = {exact} is so close to {asymptote} that it rounds to exactly {rounded} in "
                     "float64 (and in float32). The function is in its flat region: its distance from the "
                     "asymptote, about {gap}, is below the resolution of floating-point numbers near 1 "
                     "(about $1.1 \\times 10^{-16}$ in float64).",
                     "{node} = {exact} está tan cerca de {asymptote} que se redondea exactamente a {rounded} "
                     "en float64 (y en float32). La función está en su zona plana: su distancia a la asíntota, "
                     "unos {gap}, es menor que la resolución de los números en coma flotante cerca de 1 "
                     "(unos $1.1 \\times 10^{-16}$ en float64)."),
    "d_rounds": ("So {node} = {exact} prints as 0.0 in float64: it is computed from a value that has already "
                 "rounded off ($\\log 1.0 = 0$).", "Por eso {node} = {exact} se imprime como 0.0 en float64: se "
                 "calcula a partir de un valor que ya se ha redondeado ($\\log 1.0 = 0$)."),
    "d_fd_zero": ("Finite differences then see nothing: {target} is 0.0 at $x + h$ and at $x - h$ alike, so "
                  "every difference quotient is exactly 0, for every step. That is not a gradient of 0; it is "
                  "a gradient too small to show through the rounding of {target}.",
                  "Entonces las diferencias finitas no ven nada: {target} vale 0.0 tanto en $x + h$ como en "
                  "$x - h$, así que todos los cocientes de diferencias son exactamente 0, para todos los pasos. "
                  "No es un gradiente nulo: es un gradiente demasiado pequeño para asomar por el redondeo "
                  "de {target}."),
    "d_autograd_ok": ("Autograd still gets it right (relative error {err} in float64): its backward pass "
                      "multiplies local derivatives such as {local} and never forms the difference "
                      "$1 - {node}$, which is where the information was lost.",
                      "Autograd sí lo obtiene bien (error relativo {err} en float64): su paso hacia atrás "
                      "multiplica derivadas locales como {local} y nunca forma la diferencia $1 - {node}$, que "
                      "es donde se perdía la información."),
    "d_stable": ("The cure is to compute {node} in a stable form: $\\log \\sigma(z) = -\\operatorname{softplus}(-z)$, which torch "
                 "provides as torch.nn.functional.logsigmoid. At $z = {z}$ it gives {v64} in float64 and {v32} "
                 "in float32, where $\\log(\\sigma(z))$ gives {naive}.",
                 "El remedio es calcular {node} de forma estable: $\\log \\sigma(z) = -\\operatorname{softplus}(-z)$, que torch ofrece "
                 "como torch.nn.functional.logsigmoid. En $z = {z}$ da {v64} en float64 y {v32} en float32, "
                 "donde $\\log(\\sigma(z))$ da {naive}."),
    "d_overflow": ("{node} is not finite in {dtype} ({value}): the value overflows there.",
                   "{node} no es finito en {dtype} ({value}): el valor desborda."),
    "d_cancellation": ("{node}: float64 gives {f64}, the exact value is {exact}: subtracting nearly equal "
                       "numbers (catastrophic cancellation) lost most of the significant digits.",
                       "{node}: float64 da {f64} y el valor exacto es {exact}: restar números casi iguales "
                       "(cancelación catastrófica) ha perdido la mayoría de las cifras significativas."),
    "d_f32_underflow": ("$\\partial {target}/\\partial {x} = {exact}$ is below what float32 can resolve here: float32 autograd "
                        "returns 0.", "$\\partial {target}/\\partial {x} = {exact}$ está por debajo de lo que float32 puede "
                        "resolver aquí: autograd en float32 devuelve 0."),
    "d_kink": ("{expr} in formula {node} sits exactly on its kink at this point: the derivatives through it "
               "are undefined, and each one-sided derivative is given instead.",
               "{expr} en la fórmula {node} está exactamente en su pliegue en este punto: las derivadas que "
               "pasan por él no están definidas y se dan las derivadas laterales."),
    "d_kink_convention": ("{expr} in formula {node} sits exactly on its kink at this point: the derivatives "
                          "through it do not exist, and the numbers given use {convention}.",
                          "{expr} en la fórmula {node} está exactamente en su pliegue en este punto: las derivadas "
                          "que pasan por él no existen, y los números dados usan {convention}."),
    "conv_torch": ("torch's convention", "la convención de torch"),
    "conv_subgradient": ("the subgradient of least norm", "el subgradiente de norma mínima"),
    "cli_g_undefined_at_kink": ("d{target}/d{x} = undefined: {expr} in {node} is on its kink (left {left}, right {right})",
                                "d{target}/d{x} = indefinida: {expr} en {node} está en su pliegue (izquierda {left}, "
                                "derecha {right})"),
    "cli_g_by_convention": ("(at a kink: {convention}, not the derivative)",
                            "(en un pliegue: {convention}, no la derivada)"),
    "d_vanishing": ("{what} is 0 to within round-off at 300 digits of the largest values of the graph: its "
                    "terms cancel, and its exact form was not computed, so it is not proven exactly 0.",
                    "{what} vale 0 salvo redondeo a 300 cifras de los mayores valores del grafo: sus términos "
                    "se cancelan, y su forma exacta no se calculó, así que no está probado que sea exactamente 0."),
    "d_kink_passed": ("{d} exists although {node} sits on a kink: both one-sided derivatives agree.",
                      "{d} existe aunque {node} está en un pliegue: las dos derivadas laterales coinciden."),
    "g_kinks": ("At the kink", "En el pliegue"),
    "g_kink_row": ("one-sided derivatives of {d}: from the left {left}, from the right {right}; torch gives "
                   "{relu} (relu), {clamp} (clamp) and {maximum} (maximum).",
                   "derivadas laterales de {d}: por la izquierda {left}, por la derecha {right}; torch da "
                   "{relu} (relu), {clamp} (clamp) y {maximum} (maximum)."),
    # reproduce
    "code_model": ("# the model, formula by formula, in float64", "# el modelo, fórmula a fórmula, en float64"),
    "code_autograd": ("# autograd: the gradient of {target}", "# autograd: el gradiente de {target}"),
    "code_exact": ("# the exact values derived above, to compare", "# los valores exactos de arriba, para comparar"),
    "code_fd": ("# central differences with step h", "# diferencias centradas con paso h"),
    "code_largest_error": ('    print(f"d/d{name}: largest relative error of autograd {error:.1e}")',
                           '    print(f"d/d{name}: mayor error relativo de autograd {error:.1e}")'),
    "code_fd_element": ('    print(f"d/d{name}{list(index)}: central difference {fd(name, index):.10e}, exact {value[index].item():.10e}")',
                        '    print(f"d/d{name}{list(index)}: diferencia centrada {fd(name, index):.10e}, exacto {value[index].item():.10e}")'),
    "code_stable": ("# the same differences with the stable logsigmoid form",
                    "# las mismas diferencias con la forma estable logsigmoid"),
    # linear systems
    "s_statement": ("Statement", "Enunciado"),
    "s_statement_text": ("Solve the system", "Resolver el sistema"),
    "s_by_gd": ("by gradient descent, and check the answer against exact arithmetic.",
                "por descenso por gradiente, y comprobar la respuesta con aritmética exacta."),
    "s_matrix": ("In matrix form, $A\\mathbf{x} = \\mathbf{b}$ with", "En forma matricial, $A\\mathbf{x} = \\mathbf{b}$ con"),
    "s_exact": ("1. The exact answer", "1. La respuesta exacta"),
    "s_ranks": ("Gaussian elimination in exact rational arithmetic gives rank $A = {rank}$ and rank $[A \\mid b] = {rank_aug}$ "
                "for {n} unknowns, so", "La eliminación gaussiana en aritmética racional exacta da rango $A = {rank}$ y "
                "rango $[A \\mid b] = {rank_aug}$ para {n} incógnitas, así que"),
    "s_unique": ("the system has exactly one solution:", "el sistema tiene exactamente una solución:"),
    "s_none": ("the system has no solution (it is inconsistent). Its least-squares solution, the $x$ of smallest "
               "norm that minimises $\\lVert Ax - b\\rVert$, is:", "el sistema no tiene solución (es incompatible). "
               "Su solución por mínimos cuadrados, la $x$ de menor norma que minimiza $\\lVert Ax - b\\rVert$, es:"),
    "s_infinite": ("the system has infinitely many solutions ({free} free). The one of minimum norm is:",
                   "el sistema tiene infinitas soluciones ({free} libres). La de norma mínima es:"),
    "s_check": ("Substituting it back gives $A x - b = 0$ exactly.", "Al sustituirla se obtiene $A x - b = 0$ exactamente."),
    "s_residual_min": ("Substituting it back leaves the smallest possible residual, $\\lVert A x - b\\rVert = {r}$.",
                       "Al sustituirla queda el menor residuo posible, $\\lVert A x - b\\rVert = {r}$."),
    "s_objective": ("2. The objective and its gradient", "2. La función objetivo y su gradiente"),
    "s_objective_text": ("Gradient descent needs a function that is smallest exactly at the answer. The squared "
                         "residual", "El descenso por gradiente necesita una función que sea mínima justo en la "
                         "respuesta. El residuo al cuadrado"),
    "s_objective_why": ("is never negative and is 0 exactly when $Ax = b$. Its gradient is $\\nabla f(x) = "
                        "A^{\\mathsf T}(Ax - b)$. derive's own engine, differentiating $f$ written as "
                        "$\\tfrac12 \\sum_i r_i^2$ with $r = Ax - b$, finds", "nunca es negativo y vale 0 justo "
                        "cuando $Ax = b$. Su gradiente es $\\nabla f(x) = A^{\\mathsf T}(Ax - b)$. El propio motor "
                        "de derive, derivando $f$ escrita como $\\tfrac12 \\sum_i r_i^2$ con $r = Ax - b$, obtiene"),
    "s_gradient_ok": ("which is $A^{\\mathsf T}(Ax - b)$ term by term (checked symbolically: {same}); torch "
                      "autograd at {point} agrees: {agrees}.", "que es $A^{\\mathsf T}(Ax - b)$ término a término "
                      "(comprobado simbólicamente: {same}); autograd de torch en {point} coincide: {agrees}."),
    "s_step": ("3. The step size", "3. El tamaño del paso"),
    "s_step_text": ("$f$ is a quadratic with Hessian $A^{\\mathsf T}A$. Its largest and smallest eigenvalues are "
                    "$L = {L}$ and $\\mu = {mu}$, so the condition number of $A^{\\mathsf T}A$ is "
                    "$\\kappa = L/\\mu = {kappa2}$ (that of $A$ is $\\kappa(A) = {kappa}$).",
                    "$f$ es una cuadrática con hessiana $A^{\\mathsf T}A$. Sus autovalores mayor y menor son "
                    "$L = {L}$ y $\\mu = {mu}$, así que el número de condición de $A^{\\mathsf T}A$ es "
                    "$\\kappa = L/\\mu = {kappa2}$ (el de $A$ es $\\kappa(A) = {kappa}$)."),
    "s_step_optimal": ("Gradient descent $x_{k+1} = x_k - \\alpha \\nabla f(x_k)$ converges for any "
                       "$0 < \\alpha < 2/L$; the fastest fixed step is $\\alpha = 2/(L + \\mu) = {rate}$, which "
                       "shrinks the error by $\\rho = (\\kappa - 1)/(\\kappa + 1) = {rho}$ per iteration. "
                       "{stopping}",
                       "El descenso por gradiente $x_{k+1} = x_k - \\alpha \\nabla f(x_k)$ converge para todo "
                       "$0 < \\alpha < 2/L$; el paso fijo más rápido es $\\alpha = 2/(L + \\mu) = {rate}$, que "
                       "reduce el error en un factor $\\rho = (\\kappa - 1)/(\\kappa + 1) = {rho}$ por iteración. "
                       "{stopping}"),
    "s_stop_residual": ("Starting from $x_0 = 0$ and stopping when $\\lVert Ax_k - b\\rVert / \\lVert b\\rVert \\le {tolerance}$, "
                        "the theory guarantees at most $K = \\lceil \\log(\\text{tol}/\\kappa(A)) / \\log \\rho \\rceil = {bound}$ "
                        "iterations.", "Empezando en $x_0 = 0$ y parando cuando $\\lVert Ax_k - b\\rVert / \\lVert b\\rVert "
                        "\\le {tolerance}$, la teoría garantiza como mucho $K = \\lceil \\log(\\text{tol}/\\kappa(A)) / "
                        "\\log \\rho \\rceil = {bound}$ iteraciones."),
    "s_stop_gradient": ("This system has no solution, so the residual can never reach 0: every method stops instead "
                        "when the gradient is small, $\\lVert A^{\\mathsf T}(Ax_k - b)\\rVert / \\lVert A^{\\mathsf T} b\\rVert "
                        "\\le {tolerance}$, which is where $x_k$ is the least-squares solution. From $x_0 = 0$ the theory "
                        "guarantees at most $K = \\lceil \\log(\\text{tol}/\\kappa(A)^2) / \\log \\rho \\rceil = {bound}$ "
                        "iterations.", "Este sistema no tiene solución, así que el residuo nunca puede llegar a 0: cada "
                        "método se detiene cuando el gradiente es pequeño, $\\lVert A^{\\mathsf T}(Ax_k - b)\\rVert / "
                        "\\lVert A^{\\mathsf T} b\\rVert \\le {tolerance}$, que es donde $x_k$ es la solución por mínimos "
                        "cuadrados. Desde $x_0 = 0$ la teoría garantiza como mucho $K = \\lceil \\log(\\text{tol}/\\kappa(A)^2) "
                        "/ \\log \\rho \\rceil = {bound}$ iteraciones."),
    "s_step_singular": ("$A^{\\mathsf T}A$ is singular ($\\mu = 0$), so there is no linear rate to promise; the "
                        "safe step is $\\alpha = 1/L = {rate}$.", "$A^{\\mathsf T}A$ es singular ($\\mu = 0$), así "
                        "que no hay velocidad lineal garantizada; el paso seguro es $\\alpha = 1/L = {rate}$."),
    "s_step_file": ("The exercise file sets the step $\\alpha = {rate}$.", "El archivo del ejercicio fija el paso "
                    "$\\alpha = {rate}$."),
    "s_result_gd": ("Gradient descent stopped after {k} iterations (bound: {bound}) at", "El descenso por gradiente "
                    "se detuvo tras {k} iteraciones (cota: {bound}) en"),
    "s_not_converged": ("Gradient descent did not reach the tolerance in {k} iterations.",
                        "El descenso por gradiente no alcanzó la tolerancia en {k} iteraciones."),
    "s_methods": ("4. Other methods", "4. Otros métodos"),
    "s_skipped_numerically-singular": (
        "No iterative method is run here: the system is numerically singular. In float64 (about 16 significant "
        "digits) $A$ cannot be told from a singular matrix ($\\kappa(A) \\geq 1/\\varepsilon$, or its rank drops once "
        "its entries are rounded), so gradient descent and its relatives would return noise. The exact solution "
        "above is the answer.",
        "Aquí no se ejecuta ningún método iterativo: el sistema es numéricamente singular. En float64 (unas 16 "
        "cifras significativas) $A$ no se distingue de una matriz singular ($\\kappa(A) \\geq 1/\\varepsilon$, o su "
        "rango baja al redondear sus entradas), así que el descenso por gradiente y sus variantes devolverían "
        "ruido. La solución exacta de arriba es la respuesta."),
    "s_methods_text": ("The same problem with momentum (Polyak's heavy ball), Nesterov's accelerated gradient, the "
                       "conjugate gradient method on $A^{\\mathsf T}A x = A^{\\mathsf T}b$ (at most {n} "
                       "iterations in exact arithmetic) and Adam, all from $x_0 = 0$ in float64 with the same "
                       "stopping rule:", "El mismo problema con momento (bola pesada de Polyak), el gradiente "
                       "acelerado de Nesterov, el gradiente conjugado sobre $A^{\\mathsf T}A x = A^{\\mathsf T}b$ "
                       "(como mucho {n} iteraciones en aritmética exacta) y Adam, todos desde $x_0 = 0$ en float64 y "
                       "con la misma regla de parada:"),
    "s_col_method": ("method", "método"),
    "s_col_step": ("step", "paso"),
    "s_col_iterations": ("iterations", "iteraciones"),
    "s_col_theory": ("theory", "teoría"),
    "s_col_gradient": ("relative gradient", "gradiente relativo"),
    "s_col_residual": ("relative residual", "residuo relativo"),
    "s_col_solution": ("solution", "solución"),
    "s_col_error": ("error ", "error "),
    "s_bound": ("at most {k}", "como mucho {k}"),
    "s_estimate": ("about {k} (asymptotic)", "unas {k} (asintótico)"),
    "s_at_most_n": ("at most {n}", "como mucho {n}"),
    "s_no_converge": ("did not converge", "no convergió"),
    "s_convergence_caption": ("Relative residual against iteration for each method; the dotted line is the "
                              "theoretical rate of gradient descent, $\\rho^k$.", "Residuo relativo frente a la "
                              "iteración para cada método; la línea de puntos es la velocidad teórica del descenso "
                              "por gradiente, $\\rho^k$."),
    "s_rules": ("Why these steps:", "Por qué estos pasos:"),
    "rule_file": ("set in the exercise file", "fijado en el archivo del ejercicio"),
    "rule_optimal": ("$2/(L + \\mu)$, the fastest fixed step for a quadratic", "$2/(L + \\mu)$, el paso fijo más rápido para una cuadrática"),
    "rule_singular": ("$1/L$, the safe step when $A^{\\mathsf T}A$ is singular", "$1/L$, el paso seguro cuando $A^{\\mathsf T}A$ es singular"),
    "rule_heavy-ball": ("Polyak's heavy ball: $\\alpha = 4/(\\sqrt L + \\sqrt \\mu)^2$, $\\beta = ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1))^2$",
                        "bola pesada de Polyak: $\\alpha = 4/(\\sqrt L + \\sqrt \\mu)^2$, $\\beta = ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1))^2$"),
    "rule_heavy-ball-singular": ("$\\alpha = 1/L$ and $\\beta = 0.9$ ($A^{\\mathsf T}A$ is singular)", "$\\alpha = 1/L$ y $\\beta = 0.9$ ($A^{\\mathsf T}A$ es singular)"),
    "rule_nesterov": ("$\\alpha = 1/L$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$", "$\\alpha = 1/L$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$"),
    "rule_cg": ("no step to choose: each iteration takes the exact minimising step along a new conjugate direction",
                "no hay paso que elegir: cada iteración da el paso exacto que minimiza a lo largo de una nueva dirección conjugada"),
    "rule_adam": ("Adam's usual settings ($\\beta_1 = 0.9$, $\\beta_2 = 0.999$) with $\\alpha = 0.1$; it rescales each coordinate, which a quadratic does not need",
                  "los valores habituales de Adam ($\\beta_1 = 0.9$, $\\beta_2 = 0.999$) con $\\alpha = 0.1$; reescala cada coordenada, algo que una cuadrática no necesita"),
    "rule_too-big": ("$2.1/L$, past the stability limit $2/L$", "$2.1/L$, más allá del límite de estabilidad $2/L$"),
    "method_gradient-descent": ("gradient descent", "descenso por gradiente"),
    "method_momentum": ("momentum", "momento"),
    "method_nesterov": ("Nesterov", "Nesterov"),
    "method_conjugate-gradient": ("conjugate gradient", "gradiente conjugado"),
    "method_adam": ("Adam", "Adam"),
    "s_diverge": ("5. A step that is too large", "5. Un paso demasiado grande"),
    "s_diverge_text": ("Along the eigenvector of $L$, each step multiplies the error by $1 - \\alpha L$. With "
                       "$\\alpha = 2.1/L = {rate}$ that factor is $-1.1$: the error grows by 10% per iteration and "
                       "changes sign each time. After {k} iterations the relative residual has gone from {r0} to {rk}.",
                       "A lo largo del autovector de $L$, cada paso multiplica el error por $1 - \\alpha L$. Con "
                       "$\\alpha = 2.1/L = {rate}$ ese factor es $-1.1$: el error crece un 10% por iteración y cambia "
                       "de signo cada vez. Tras {k} iteraciones el residuo relativo ha pasado de {r0} a {rk}."),
    "s_seed_note": ("The objective must vanish exactly at the answer. Minimising instead something like "
                    "$\\lVert AW - I\\rVert$ over an augmented matrix whose last row is zero can never reach 0 "
                    "(its minimum is 1), so no number of iterations makes it converge.",
                    "La función objetivo debe anularse justo en la respuesta. Minimizar en su lugar algo como "
                    "$\\lVert AW - I\\rVert$ sobre una matriz ampliada cuya última fila es cero nunca puede llegar "
                    "a 0 (su mínimo es 1), así que ningún número de iteraciones la hace converger."),
    "code_gd": ("# gradient descent on f(x) = 1/2 ||Ax - b||^2, in float64", "# descenso por gradiente sobre f(x) = 1/2 ||Ax - b||^2, en float64"),
    "fig_iteration": ("iteration", "iteración"),
    "fig_residual": ("relative residual", "residuo relativo"),
    "fig_theory": ("theory: $\\rho^k$", "teoría: $\\rho^k$"),
    # variants
    "v_variant": ("Variant {number}", "Variante {number}"),
    "v_conditions": ("Every variant met:", "Todas las variantes cumplen:"),
    "v_same_branches": ("the same branch of every max, min, abs and relu as the exercise's own point (the same "
                        "kind of walkthrough for every student)", "la misma rama de cada max, min, abs y relu que "
                        "el punto del propio ejercicio (el mismo tipo de desarrollo para cada estudiante)"),
    "v_variant_col": ("variant", "variante"),
    "v_equations": ("equations", "ecuaciones"),
    "v_students": ("{title}: exercise sheet", "{title}: hoja de ejercicios"),
    "v_students_intro": ("Each student solves the variant with their number.", "Cada estudiante resuelve la "
                         "variante con su número."),
    "v_answers": ("{title}: answer key", "{title}: soluciones"),
    "v_answers_intro": ("The worked solution of every variant; each was checked: no kink at the point, no "
                        "domain error, nothing lost to rounding, and an answer no other variant shares.",
                        "La solución desarrollada de cada variante; todas se han comprobado: ningún pliegue en el "
                        "punto, ningún error de dominio, nada perdido por redondeo y una respuesta que ninguna "
                        "otra variante comparte."),
    "v_key": ("{title}: short answer key", "{title}: clave de respuestas"),
    # the command line (derive.messages): frame, `check`, `gradients`, `variants`, `report`
    "cli_error": ("error", "error"),
    "cli_hint": ("hint", "pista"),
    "cli_warning": ("warning", "aviso"),
    "cli_not_computed": ("exact form not computed: {why}", "forma exacta no calculada: {why}"),
    "unknown_size": ("its exact form has more than {cap} terms", "su forma exacta tiene más de {cap} términos"),
    "unknown_nesting": ("its exact form nests functions more than {cap} deep",
                    "su forma exacta anida funciones a más de {cap} niveles"),
    "unknown_magnitude": ("it lies beyond 10^±{cap}", "está más allá de 10^±{cap}"),
    "unknown_time": ("computing it exactly took longer than the time budget",
                 "calcularla exactamente llevaba más tiempo del presupuestado"),
    "unknown_parent": ("a quantity it depends on has no exact form", "una cantidad de la que depende no tiene forma exacta"),
    "unknown_kink": ("the point sits on a kink", "el punto está en un punto anguloso"),
    "unknown_domain": ("it is not a real number", "no es un número real"),
    "unknown_tensor": ("exact second derivatives are computed for exercises without tensors only",
                   "las segundas derivadas exactas solo se calculan en ejercicios sin tensores"),
    "cli_fix": ("fix", "arreglo"),
    "cli_no_problems": ("{path}: no problems found", "{path}: ningún problema encontrado"),
    "cli_forward": ("Forward pass:", "Paso hacia delante:"),
    "cli_gradients": ("Gradients of {target}:", "Gradientes de {target}:"),
    "cli_compare": ("Exact vs torch autograd vs finite differences (best step):",
                    "Exacto frente a autograd de torch y diferencias finitas (mejor paso):"),
    "cli_variants_done": ("{count} variants from {examined} draws (rejected: {rejected})",
                          "{count} variantes de {examined} sorteos (rechazadas: {rejected})"),
    "cli_variants_progress": ("variants", "variantes"),
    "cli_pdf_skipped": ("PDF skipped: no TeX engine found; {hint}", "PDF omitido: no hay motor de TeX; {hint}"),
    "cli_interrupted": ("interrupted", "interrumpido"),
    "cli_out_of_memory": ("error: out of memory", "error: memoria agotada"),
    "cli_bug": ("internal error: this is a bug in derive, not in your file ({kind}: {message}). Please report it "
                "with the exercise file and this line (the README says where); run the same command with --debug "
                "for the traceback.", "error interno: es un fallo de derive, no de tu archivo ({kind}: {message}). "
                "Por favor, infórmalo con el archivo del ejercicio y esta línea (el README dice dónde); ejecuta la "
                "misma orden con --debug para ver la traza."),
    # `solve`
    "cli_s_rank": ("rank A = {rank}, rank [A|b] = {augmented}: {kind}", "rango A = {rank}, rango [A|b] = {augmented}: {kind}"),
    "cli_s_unique": ("one solution", "una solución"),
    "cli_s_none": ("no solution (inconsistent)", "ninguna solución (incompatible)"),
    "cli_s_infinite": ("infinitely many solutions (free: {free})", "infinitas soluciones (libres: {free})"),
    "cli_s_exact": ("exact", "exacta"),
    "cli_s_least_squares": ("least squares", "mínimos cuadrados"),
    "cli_s_minimum_norm": ("minimum norm", "norma mínima"),
    "cli_s_condition": ("condition number", "número de condición"),
    "cli_s_engine": ("∇f from derive's engine", "∇f según el motor de derive"),
    "cli_s_equals": ("equals Aᵀ(Ax − b): {formula}; autograd agrees: {autograd}",
                     "es igual a Aᵀ(Ax − b): {formula}; autograd coincide: {autograd}"),
    "cli_s_skipped": ("No iterative method was run: {why}", "No se ejecutó ningún método iterativo: {why}"),
    "cli_s_skipped_numerically-singular": (
        "the system is numerically singular: in float64 (about 16 digits) A cannot be told from a singular matrix "
        "(κ(A) ≥ 1/ε or its rank drops once rounded), so every float64 method would return noise. The exact answer "
        "above stands.", "el sistema es numéricamente singular: en float64 (unas 16 cifras) A no se distingue de una "
        "matriz singular (κ(A) ≥ 1/ε o su rango baja al redondear), así que todo método en float64 devolvería ruido. "
        "La respuesta exacta de arriba es válida."),
    "cli_s_header": ("method", "método"),
    "cli_s_iterations": ("iterations", "iteraciones"),
    "cli_s_bound": ("bound", "cota"),
    "cli_s_residual": ("residual", "residuo"),
    "cli_s_solution": ("solution", "solución"),
    "cli_s_not_converged": ("not converged", "no convergió"),
    "cli_s_diverges": ("A step of 2.1/L = {rate} (past 2/L) diverges: relative residual {first} -> {last} after "
                       "{iterations} iterations.", "Un paso de 2.1/L = {rate} (más allá de 2/L) diverge: residuo "
                       "relativo {first} -> {last} tras {iterations} iteraciones."),
    "cli_reason_file": ("set in the exercise file", "fijado en el archivo del ejercicio"),
    "cli_reason_optimal": ("2/(L + μ): the fastest fixed step for a quadratic; contraction ρ = (κ − 1)/(κ + 1)",
                           "2/(L + μ): el paso fijo más rápido para una cuadrática; contracción ρ = (κ − 1)/(κ + 1)"),
    "cli_reason_singular": ("1/L: AᵀA is singular (μ = 0), so the safe step 1/L",
                            "1/L: AᵀA es singular (μ = 0), así que el paso seguro 1/L"),
    "cli_reason_heavy-ball": ("Polyak's heavy ball: α = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))²",
                              "bola pesada de Polyak: α = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))²"),
    "cli_reason_heavy-ball-singular": ("α = 1/L and β = 0.9: AᵀA is singular", "α = 1/L y β = 0.9: AᵀA es singular"),
    "cli_reason_nesterov": ("Nesterov: α = 1/L, β = (√κ − 1)/(√κ + 1)", "Nesterov: α = 1/L, β = (√κ − 1)/(√κ + 1)"),
    "cli_reason_cg": ("no step to choose: CG takes the exact step along AᵀA-conjugate directions; at most n "
                      "iterations in exact arithmetic", "no hay paso que elegir: CG da el paso exacto a lo largo de "
                      "direcciones conjugadas respecto de AᵀA; como mucho n iteraciones en aritmética exacta"),
    "cli_reason_adam": ("Adam's usual settings (β₁ = 0.9, β₂ = 0.999) with α = 0.1: it rescales each coordinate, "
                        "which a quadratic does not need", "los valores habituales de Adam (β₁ = 0.9, β₂ = 0.999) con "
                        "α = 0.1: reescala cada coordenada, algo que una cuadrática no necesita"),
    "cli_reason_too-big": ("2.1/L: past the stability limit 2/L", "2.1/L: más allá del límite de estabilidad 2/L"),
    # `bench`
    "cli_b_header": ("device dtype n median IQR GFLOP/s notes", "dispositivo tipo n mediana IQR GFLOP/s notas"),
    "cli_b_copy": ("host-to-device copy {time}", "copia del host al dispositivo {time}"),
    "cli_b_one_thread": ("1 thread {time}", "1 hilo {time}"),
    "cli_b_above_peak": ("ABOVE THE PEAK {peak} GFLOP/s: a measurement error",
                         "POR ENCIMA DEL PICO {peak} GFLOP/s: un error de medida"),
    "cli_b_disturbed": ("DISTURBED, not the hardware's speed: {why}", "PERTURBADO, no es la velocidad del hardware: {why}"),
    "cli_b_unavailable": ("{device}: not measured — {reason}", "{device}: sin medir — {reason}"),
    "cli_b_environment": ("torch {torch}, {threads} threads, BLAS {blas}, float32 matmul precision {precision}, "
                          "CPU {cpu} ({capability})", "torch {torch}, {threads} hilos, BLAS {blas}, precisión de "
                          "matmul en float32 {precision}, CPU {cpu} ({capability})"),
    "cli_b_no_gpu": ("No GPU was available: every timing above is a CPU timing.",
                     "No había GPU: todos los tiempos de arriba son de la CPU."),
    "cli_b_busy": ("GFLOP/s in parentheses were measured while the machine was busy: they describe the scheduler, "
                   "not the hardware. Run again on a quiet machine.", "Los GFLOP/s entre paréntesis se midieron con la "
                   "máquina ocupada: describen al planificador, no al hardware. Repite la medida con la máquina en "
                   "reposo."),
    # errors and hints, matched by their English text ({placeholders} match anything)
    "err_unexpected_char": ("unexpected character {char}", "carácter inesperado {char}"),
    "err_latex": ("unknown LaTeX command {command}", "orden de LaTeX desconocida {command}"),
    "err_expected": ("expected {what} but found {found}", "se esperaba {what} pero hay {found}"),
    "err_unexpected": ("unexpected {token}", "{token} inesperado"),
    "err_function": ("unknown function {name}", "función desconocida {name}"),
    "err_undefined": ("undefined name {name}", "nombre no definido {name}"),
    "err_mean": ("did you mean {name}?", "¿quisiste decir {name}?"),
    "err_product": ('write "{a} {b}" or "{c}*{d}" for a product', 'escribe "{a} {b}" o "{c}*{d}" para un producto'),
    "err_closing": ("this closing bracket has no matching opening bracket",
                    "este paréntesis de cierre no tiene su paréntesis de apertura"),
    "err_ends": ("the formula ends where a number, name or '(' was expected",
                 "la fórmula termina donde se esperaba un número, un nombre o '('"),
    "err_expected_operand": ("expected a number, name or '(' but found {found}",
                             "se esperaba un número, un nombre o '(' pero hay {found}"),
    "err_division": ("division by zero", "división por cero"),
    "err_empty": ("empty formula", "fórmula vacía"),
    "err_in_formula": ("in formula {name}: {message}", "en la fórmula {name}: {message}"),
    "err_domain": ("in formula {name}: {problem} at the point{at}: {expr} with {where}",
                   "en la fórmula {name}: {problem} en el punto{at}: {expr} con {where}"),
    "err_log": ("logarithm of a non-positive number", "logaritmo de un número no positivo"),
    "err_defined": ("choose values where every formula is defined",
                    "elige valores en los que todas las fórmulas estén definidas"),
    "err_bundled": ("bundled exercises: {names}", "ejercicios incluidos: {names}"),
    "err_not_regular": ("not a regular file (a folder, a device or a pipe)",
                        "no es un archivo normal (es una carpeta, un dispositivo o una tubería)"),
    "err_toml_path": ("give the path of an exercise's .toml file", "da la ruta del archivo .toml de un ejercicio"),
    "err_too_big": ("file is {size} bytes; the limit is {limit}", "el archivo ocupa {size} bytes; el límite es {limit}"),
    "err_utf8": ("not UTF-8 text ({why})", "no es texto UTF-8 ({why})"),
    "err_cannot_read": ("cannot read the file: {why}", "no se puede leer el archivo: {why}"),
    "err_kind": ("kind must be one of {kinds}; got {kind}", "kind debe ser uno de {kinds}; hay {kind}"),
    "err_kind_hint": ('add a line: kind = "gradient"', 'añade una línea: kind = "gradient"'),
    "err_lang": ("lang must be one of {langs}; got {lang}", "lang debe ser uno de {langs}; hay {lang}"),
    "err_title": ("title must be a string or a table of languages",
                  "title debe ser un texto o una tabla de idiomas"),
    "err_string": ("{key} must be a string", "{key} debe ser un texto"),
    "err_table": ("{key} must be a table: [{key2}]", "{key} debe ser una tabla: [{key2}]"),
    "err_name": ("{name} is not a valid name", "{name} no es un nombre válido"),
    "err_name_hint": ("names are letters, digits and _, starting with a letter: x1, w0_3",
                      "los nombres son letras, cifras y _, empezando por una letra: x1, w0_3"),
    "err_function_name": ("{name} is a function name; choose another name",
                          "{name} es el nombre de una función; elige otro nombre"),
    "err_range": ("the range of {name} must have min and max (and step), or choices",
                  "el rango de {name} debe tener min y max (y step), o choices"),
    "err_range_order": ("the range of {name} needs min <= max and a positive step",
                        "el rango de {name} necesita min <= max y un step positivo"),
    "err_range_count": ("the range of {name} has {count} values; the limit is {limit}",
                        "el rango de {name} tiene {count} valores; el límite es {limit}"),
    "err_larger_step": ("use a larger step", "usa un step mayor"),
    "err_choices": ("the choices of {name} must be a non-empty list", "las choices de {name} deben ser una lista no vacía"),
    "err_default": ("the default of {name} is not one of its values", "el default de {name} no es uno de sus valores"),
    "err_number_hint": ('write a number (2, -1.5) or an exact string ("1/3", "sqrt(2)")',
                        'escribe un número (2, -1.5) o un texto exacto ("1/3", "sqrt(2)")'),
    "err_not_finite": ("the value of {name} is not finite", "el valor de {name} no es finito"),
    "err_empty_array": ("the value of {name} is an empty array", "el valor de {name} es una lista vacía"),
    "err_ragged": ("the rows of {name} have different lengths ({rows}): a matrix must be rectangular",
                   "las filas de {name} tienen longitudes distintas ({rows}): una matriz debe ser rectangular"),
    "err_mixed": ("the value of {name} mixes numbers and lists", "el valor de {name} mezcla números y listas"),
    "err_no_formulas": ("a gradient exercise needs a [formulas] table", "un ejercicio de gradiente necesita una tabla [formulas]"),
    "err_no_formulas_hint": ('add  [formulas]  with lines such as  loss = "log(pred)"',
                             'añade  [formulas]  con líneas como  loss = "log(pred)"'),
    "err_formula_string": ("formula {name} must be a string", "la fórmula {name} debe ser un texto"),
    "err_quotes": ('write it in quotes: m = "3a + 4b"', 'escríbela entre comillas: m = "3a + 4b"'),
    "err_gradient_key": ("unknown key {key} in [gradient]", "clave desconocida {key} en [gradient]"),
    "err_allowed": ("allowed: {keys}", "permitidas: {keys}"),
    "err_target": ("cannot tell which formula is the target: {sinks}", "no se sabe qué fórmula es el objetivo: {sinks}"),
    "err_target_hint": ('add  [gradient]  with  of = "loss"', 'añade  [gradient]  con  of = "loss"'),
    "err_wrt_list": ("wrt must be a list of input names", "wrt debe ser una lista de nombres de entradas"),
    "err_wrt_twice": ("wrt names an input twice", "wrt nombra dos veces una entrada"),
    "err_needs_kind": ("{file} is a {kind} exercise; `{command}` needs kind = {wanted}",
                       "{file} es un ejercicio de tipo {kind}; `{command}` necesita kind = {wanted}"),
    "err_multiply_hint": ("for multiplication write * between the name and '(' ; functions: {names}",
                          "para multiplicar escribe * entre el nombre y '(' ; funciones: {names}"),
    "err_no_ranges": ("the exercise has no ranges to draw variants from",
                      "el ejercicio no tiene rangos de los que sortear variantes"),
    "err_ranges_hint": ("give some values a range: a = { min = -5, max = 5, step = 1, default = 2 }",
                        "da un rango a algunos valores: a = { min = -5, max = 5, step = 1, default = 2 }"),
    "err_unknown_format": ("unknown format {name}", "formato desconocido {name}"),
    "err_formats": ("formats: {names}", "formatos: {names}"),
    "err_not_real": ("this is not a real number (SymPy finds an imaginary part)",
                     "esto no es un número real (SymPy encuentra una parte imaginaria)"),
    "err_not_real_hint": ("the square root or logarithm of a negative number is not real",
                          "la raíz cuadrada o el logaritmo de un número negativo no es real"),
    "err_shape_op": ("{op}: {message}", "{op}: {message}"),
    "err_broadcast": ("{shapes} do not broadcast together", "{shapes} no se pueden difundir (broadcast) juntas"),
    "err_matmul": ("@ needs vectors or matrices, got {a} and {b}: for a number times a tensor write *",
                   "@ necesita vectores o matrices, hay {a} y {b}: para un número por un tensor escribe *"),
    "err_mismatch": ("{a} and {b} do not match", "{a} y {b} no encajan"),
    "err_shape_hint": ("shapes are (rows, columns) for a matrix and (n,) for a vector; a batch is a matrix whose rows "
                       "are examples", "las formas son (filas, columnas) para una matriz y (n,) para un vector; un "
                       "lote es una matriz cuyas filas son ejemplos"),
    "err_scalar_index": ("a scalar cannot be indexed", "un escalar no se puede indexar"),
    "err_index_range": ("index {item} is out of range for dimension {dim} of size {n} (indices start at 0: 0 … {last})",
                        "el índice {item} está fuera de rango en la dimensión {dim} de tamaño {n} (los índices empiezan "
                        "en 0: 0 … {last})"),
    "err_function_call": ("{name} is a function: write {call}(...)", "{name} es una función: escribe {call}(...)"),
    "err_log_base": ("a logarithm's base must be 2 or more", "la base de un logaritmo debe ser 2 o más"),
    "err_log_whole": ("a logarithm's base must be a whole number", "la base de un logaritmo debe ser un número entero"),
    "err_empty_index": ("an empty index", "un índice vacío"),
    "err_two_vectors": ("two vectors side by side are ambiguous", "dos vectores uno junto a otro son ambiguos"),
    "err_superscript": ("malformed superscript exponent", "exponente en superíndice mal formado"),
    "err_braces": ("write \\frac{a}{b} and \\sqrt{x} with braces", "escribe \\frac{a}{b} y \\sqrt{x} con llaves"),
    "err_expected_opener": ("expected {opener}", "se esperaba {opener}"),
    "err_supported": ("supported: {names}, Greek letters", "admitidas: {names}, letras griegas"),
    "err_nested": ("formula nested deeper than {depth} levels", "fórmula anidada a más de {depth} niveles"),
    "err_long": ("formula longer than {limit} characters ({count})", "fórmula de más de {limit} caracteres ({count})"),
    "err_infinite": ("the derivative of {target} with respect to {name} is infinite at the point",
                     "la derivada de {target} respecto de {name} es infinita en el punto"),
    "err_step_key": ("unknown key {key} in [step]", "clave desconocida {key} en [step]"),
    "err_learning_rate": ("learning_rate must be a positive number", "learning_rate debe ser un número positivo"),
    "err_condition": ("the condition {text} must compare two sides with one of < > <= >=",
                      "la condición {text} debe comparar dos lados con uno de < > <= >="),
    "err_in_condition": ("in the condition {text}: {message}", "en la condición {text}: {message}"),
    "err_target_shape": ("the target {target} has shape {shape}: a gradient needs a single number",
                         "el objetivo {target} tiene forma {shape}: un gradiente necesita un único número"),
    "err_target_shape_hint": ('reduce it to a number, e.g. loss = "sum({a})" or "mean({b})", or give a seed under '
                              '[gradient] for backward(seed): of = "{c}" with seed = […]',
                              'redúcelo a un número, p. ej. loss = "sum({a})" o "mean({b})", o da una semilla en '
                              '[gradient] para backward(seed): of = "{c}" con seed = […]'),
    "err_literal_exponent": ("the exponent of {number} is too large (the limit is {limit})",
                             "el exponente de {number} es demasiado grande (el límite es {limit})"),
    "err_exponent": ("exponent {number} is too large (the limit is {limit})",
                     "el exponente {number} es demasiado grande (el límite es {limit})"),
    "err_end": ("the end of the formula", "el final de la fórmula"),
    "err_cross_entropy": ("cross_entropy(logits, k) takes logits (C,) with a class index k, or logits (N, C) with a "
                          "vector of N class indices; got {a} and {b}", "cross_entropy(logits, k) toma logits (C,) "
                          "con un índice de clase k, o logits (N, C) con un vector de N índices de clase; hay {a} y {b}"),
    "err_same_shape": ("{name} needs two tensors of the same shape, got {a} and {b}",
                       "{name} necesita dos tensores de la misma forma, hay {a} y {b}"),
    "err_root_index": ("the index of a root must be a non-zero number", "el índice de una raíz debe ser un número no nulo"),
    "err_seed_outputs": ("the seed has shape {shape} but of names {count} outputs",
                         "la semilla tiene forma {shape} pero of nombra {count} salidas"),
    "err_seed_shape": ("the seed has shape {shape} but {name} has shape {other}",
                       "la semilla tiene forma {shape} pero {name} tiene forma {other}"),
    "err_seed_shape_hint": ("backward(seed) needs a seed of the output's shape",
                            "backward(seed) necesita una semilla de la forma de la salida"),
    "err_one_per_output": ("one number per output", "un número por salida"),
    "err_training_kink": ("a training step needs every gradient, and one is undefined at a kink",
                          "un paso de entrenamiento necesita todos los gradientes, y uno no está definido en un punto "
                          "anguloso"),
    "err_training_kink_hint": ('choose another point, or a convention: [gradient] kink = "torch"',
                               'elige otro punto, o una convención: [gradient] kink = "torch"'),
    "err_control": ("a control character: TOML double-quoted strings turn \\f, \\t, \\b, \\n, \\r into control "
                    "characters; write LaTeX formulas in single quotes, e.g. pred = '\\frac{1}{1 + e^{-z}}'",
                    "un carácter de control: las cadenas de TOML entre comillas dobles convierten \\f, \\t, \\b, "
                    "\\n, \\r en caracteres de control; escribe las fórmulas en LaTeX entre comillas simples, p. ej. "
                    "pred = '\\frac{1}{1 + e^{-z}}'"),
    "err_float64_range": ("derive checks every value in float64, which ends near 1e±308",
                          "derive comprueba cada valor en float64, que termina cerca de 1e±308"),
    "err_dot_hint": ("write u @ v or u · v for the dot product, u * v element by element",
                     "escribe u @ v o u · v para el producto escalar, u * v elemento a elemento"),
    "err_no_file": ("no such file: {name}", "no existe el archivo: {name}"),
    "err_unknown_key": ("unknown key {key} for kind {kind}", "clave desconocida {key} para el tipo {kind}"),
    "err_twice": ("{name} is defined twice: as a value and as a formula",
                  "{name} está definido dos veces: como valor y como fórmula"),
    "err_not_formula": ("of = {name} is not a formula", "of = {name} no es una fórmula"),
    "err_wrt": ("wrt entry {name} is not an input (a name in [values])",
                "la entrada {name} de wrt no es una entrada (un nombre de [values])"),
    "err_not_number": ("the value of {name} is not a number: {raw}", "el valor de {name} no es un número: {raw}"),
    "err_invalid_toml": ("invalid TOML: {message}", "TOML no válido: {message}"),
    "err_cycle": ("the formulas depend on each other in a cycle: {cycle}",
                  "las fórmulas dependen unas de otras en un ciclo: {cycle}"),
    # `gradients`: the comparison table, its verdicts and the diagnostics
    "cli_g_header": ("input exact autograd_f64 autograd_f32 best_central verdict",
                     "entrada exacto autograd_f64 autograd_f32 mejor_central veredicto"),
    "cli_g_undefined": ("undefined", "indefinido"),
    "cli_g_direction": ("direction {seed}: exact {exact}, best central {central}, error {error}",
                        "dirección {seed}: exacto {exact}, mejor central {central}, error {error}"),
    "cli_g_kink_torch": ("at the kink, torch's formulations give d{target}/d{x}: {shown}",
                         "en el punto anguloso, las formulaciones de torch dan d{target}/d{x}: {shown}"),
    "cli_g_training": ("Training ({update}, learning rate {rate}, {steps} steps):",
                       "Entrenamiento ({update}, tasa de aprendizaje {rate}, {steps} pasos):"),
    "cli_g_training_one": ("Training ({update}, learning rate {rate}, 1 step):",
                           "Entrenamiento ({update}, tasa de aprendizaje {rate}, 1 paso):"),
    "cli_g_step": ("step {step}", "paso {step}"),
    "cli_g_hessian": ("Hessian of {target} (rows and columns: {names}):",
                      "Hessiana de {target} (filas y columnas: {names}):"),
    "cli_g_hessian_error": ("{method}: largest relative error {error}", "{method}: mayor error relativo {error}"),
    "cli_g_central_of_autograd": ("central differences of autograd's gradient",
                                  "diferencias centrales del gradiente de autograd"),
    "cli_g_autograd_times": ("autograd.grad {order} times", "autograd.grad {order} veces"),
    "err_v_agrees": ("autograd agrees", "autograd coincide"),
    "err_v_disagrees": ("autograd DISAGREES", "autograd NO COINCIDE"),
    "err_v_kink": ("undefined at a kink: autograd returns its formulation's convention",
                   "indefinido en un punto anguloso: autograd devuelve la convención de su formulación"),
    "err_v_sample": ("outside the finite-difference sample (the random directions check it)",
                     "fuera de la muestra de diferencias finitas (lo comprueban las direcciones aleatorias)"),
    "err_v_fd_agree": ("finite differences agree", "las diferencias finitas coinciden"),
    "err_v_straddle": ("finite differences straddle the kink (they see both sides), so they do not check a convention",
                       "las diferencias finitas abarcan el punto anguloso (ven los dos lados), así que no comprueban "
                       "una convención"),
    "err_v_rounds": ("finite differences cannot resolve it: {target} itself rounds to 0 in float64",
                     "las diferencias finitas no pueden resolverlo: el propio {target} se redondea a 0 en float64"),
    "err_v_resolve": ("finite differences cannot resolve it to 1e-6",
                      "las diferencias finitas no pueden resolverlo hasta 1e-6"),
    "err_stable": ("log σ({z}) = -softplus(-{z2}) (torch.nn.functional.logsigmoid): at {z3} = {at} it gives {f64} in "
                   "float64 and {f32} in float32, where log(sigmoid(·)) gives {naive}",
                   "log σ({z}) = -softplus(-{z2}) (torch.nn.functional.logsigmoid): en {z3} = {at} da {f64} en "
                   "float64 y {f32} en float32, donde log(sigmoid(·)) da {naive}"),
    "err_overflow": ("{label} is {value} in {dtype}: the value overflows or is not a number there",
                     "{label} es {value} en {dtype}: el valor desborda o no es un número ahí"),
    "err_cancellation": ("{label}: float64 gives {f64}, exact {exact}: catastrophic cancellation lost most "
                         "significant digits", "{label}: float64 da {f64}, exacto {exact}: una cancelación "
                         "catastrófica perdió la mayoría de las cifras significativas"),
    "err_underflow": ("d{target}/d{key} = {value} is below float32's resolution here: float32 autograd returns 0",
                      "d{target}/d{key} = {value} está por debajo de la resolución de float32 aquí: autograd en "
                      "float32 devuelve 0"),
    "err_kink_warning": ("{expr} in formula {name} sits exactly on its kink at this point: derivatives through it "
                         "are {through}", "{expr} en la fórmula {name} está justo en su punto anguloso en este "
                         "punto: las derivadas a través de ella son {through}"),
    "err_kink_passed": ("d {target}/d {x} exists although {expr} sits on its kink: both one-sided derivatives are "
                        "equal", "d {target}/d {x} existe aunque {expr} está en su punto anguloso: las dos derivadas "
                        "laterales son iguales"),
    "err_hessian_vanishing": ("the Hessian entries {entries} are 0 to within the error of the differences that "
                              "give them (below {bound}); their exact forms were not computed, so they are not "
                              "proven exactly 0", "las entradas {entries} de la hessiana son 0 salvo el error de "
                              "las diferencias que las dan (menor que {bound}); sus formas exactas no se "
                              "calcularon, así que no está demostrado que sean exactamente 0"),
    "err_unproven_zero": ("{label} came out exactly 0 at every working precision, and its exact form could not be "
                          "evaluated to check it: it is not proven to be 0", "{label} salió exactamente 0 con todas "
                          "las precisiones de trabajo, y su forma exacta no se pudo evaluar para comprobarlo: no "
                          "está demostrado que sea 0"),
    "d_unproven_zero": ("{what} came out exactly 0 at every working precision, and its exact form could not be "
                        "evaluated to check it: it is not proven to be 0.", "{what} salió exactamente 0 con todas "
                        "las precisiones de trabajo, y su forma exacta no se pudo evaluar para comprobarlo: no está "
                        "demostrado que sea 0."),
    "err_vanishing": ("{label} is 0 to within round-off at {digits} digits of its largest terms; its exact form was "
                      "not computed, so it is not proven exactly 0", "{label} es 0 salvo redondeo con {digits} cifras "
                      "de sus términos mayores; su forma exacta no se calculó, así que no está demostrado que sea "
                      "exactamente 0"),
    # `check`: its warnings and fixes
    "err_unused_input": ("input {name} is used by no formula", "ninguna fórmula usa la entrada {name}"),
    "err_unused_input_fix": ("remove {name} from [values], or use it in a formula",
                             "quita {name} de [values], o úsala en una fórmula"),
    "err_unused_formula": ("formula {name} does not lead to the target {target}",
                           "la fórmula {name} no lleva al objetivo {target}"),
    "err_unused_formula_fix": ("remove it, or use it in a formula that leads to {target}",
                               "quítala, o úsala en una fórmula que lleve a {target}"),
    "err_kink": ("{expr} in formula {name} sits exactly on its kink at this point: the derivatives through it are "
                 "undefined", "{expr} en la fórmula {name} está justo en su punto anguloso en este punto: las "
                 "derivadas a través de ella no están definidas"),
    "err_kink_fix": ("move the point off the kink (change a value so the arguments of max/min differ, or the "
                     "argument of abs/relu is not 0)", "saca el punto del punto anguloso (cambia un valor para que "
                     "los argumentos de max/min difieran, o el argumento de abs/relu no sea 0)"),
    "err_saturation": ("{label} = {exact} but rounds to exactly {f64} in float64 (float32: {f32}): the function is "
                       "in its flat region, where its distance from the asymptote is below the floating-point "
                       "resolution", "{label} = {exact} pero se redondea exactamente a {f64} en float64 (float32: "
                       "{f32}): la función está en su zona plana, donde su distancia a la asíntota es menor que la "
                       "resolución de la coma flotante"),
    "err_saturation_fix": ("choose values that keep the function's argument small (|z| below about 15 for σ and "
                           "tanh)", "elige valores que mantengan pequeño el argumento de la función (|z| por debajo "
                           "de unos 15 para σ y tanh)"),
    "err_rounds": ("{label} = {exact} prints as 0.0 in float64: it is computed from a value that already rounded "
                   "off (e.g. log(1.0) = 0)", "{label} = {exact} se imprime como 0.0 en float64: se calcula a "
                   "partir de un valor que ya se redondeó (p. ej. log(1.0) = 0)"),
    "err_rounds_fix": ("choose values that keep the function off its flat region, or write it stably (log σ(z) as "
                       "-softplus(-z))", "elige valores que saquen la función de su zona plana, o escríbela de "
                       "forma estable (log σ(z) como -softplus(-z))"),
    "err_overflow_fix": ("choose smaller values", "elige valores más pequeños"),
    "err_cancellation_fix": ("avoid subtracting nearly equal quantities at this point",
                             "evita restar cantidades casi iguales en este punto"),
    "err_underflow_fix": ("choose values whose gradients are not tiny",
                          "elige valores cuyos gradientes no sean diminutos"),
    "err_ranges": ("of {count} draws from the ranges, {rejected} would be rejected by `variants` ({reasons})",
                   "de {count} sorteos de los rangos, `variants` rechazaría {rejected} ({reasons})"),
    "err_variants_few": ("only {accepted} of {n} variants passed the checks in {draws} draws (rejected: {reasons})",
                         "solo {accepted} de {n} variantes pasaron las comprobaciones en {draws} sorteos "
                         "(rechazados: {reasons})"),
    "err_variants_distinct": ("only {accepted} of {n} variants passed the checks in {draws} draws (rejected: "
                              "{reasons}); the answers drawn so far suggest the ranges give about {estimate} "
                              "distinct answers",
                              "solo {accepted} de {n} variantes pasaron las comprobaciones en {draws} sorteos "
                              "(rechazados: {reasons}); las respuestas sorteadas indican que los rangos dan unas "
                              "{estimate} respuestas distintas"),
    "err_variants_few_fix": ("widen the ranges, relax the [variants] limits or ask for fewer variants",
                             "amplía los rangos, relaja los límites de [variants] o pide menos variantes"),
    "err_variants_distinct_fix": ("ask for fewer variants ({accepted} were found), widen the ranges or relax the "
                                  "[variants] limits", "pide menos variantes (se encontraron {accepted}), amplía "
                                  "los rangos o relaja los límites de [variants]"),
    # why `variants` refused a draw (the counts after each): variants.py's reason codes
    "rej_none": ("none", "ninguna"),
    "v_drawn_comment": ("Variant {number}, drawn by `derive variants` from {file}",
                        "Variante {number}, sorteada por `derive variants` a partir de {file}"),
    "rej_another_branch": ("another branch", "otra rama"),
    "rej_same_answer_as_another_variant": ("same answer as another variant", "la misma respuesta que otra variante"),
    "rej_saturation": ("saturation", "saturación"),
    "rej_unresolved": ("unresolved", "sin resolver"),
    "rej_kink": ("kink", "pliegue"),
    "rej_float32_underflow": ("float32-underflow", "subdesbordamiento en float32"),
    "rej_rounds_to_zero": ("rounds-to-zero", "redondeo a cero"),
    "rej_overflow": ("overflow", "desbordamiento"),
    "rej_cancellation": ("cancellation", "cancelación"),
    "rej_zero_gradient": ("zero gradient", "gradiente nulo"),
    "rej_too_large": ("too large", "forma exacta demasiado grande"),
    "rej_domain": ("domain", "dominio"),
    "rej_singular": ("singular", "singular"),
    # messages of bad input everywhere else (said in Spanish by messages.say)
    "err_exp_of": ("exp of {value}", "exp de {value}"),
    "err_power_of": ("{base} to the power {exponent}", "{base} elevado a {exponent}"),
    "err_trig_of": ("sin or cos of {value}", "seno o coseno de {value}"),
    "err_sigmoid_of": ("sigmoid of {value}", "sigmoid de {value}"),
    "err_softplus_of": ("softplus of {value}", "softplus de {value}"),
    "err_partial_not_real": ("the derivative of {name} is not a real number at the point",
                             "la derivada de {name} no es un número real en el punto"),
    "err_list_integers": ("{key} must be a non-empty list of integers",
        "{key} debe ser una lista no vacía de enteros"),
    "err_list_strings": ("{key} must be a non-empty list of strings",
        "{key} debe ser una lista no vacía de cadenas"),
    "err_repeats": ("repeats must be an integer from 3 to 1000",
        "repeats debe ser un entero de 3 a 1000"),
    "err_unknown_item": ("unknown {what} {value}",
        "{what} desconocido: {value}"),
    "err_size_range": ("size {size} is out of range",
        "el tamaño {size} está fuera de rango"),
    "err_size_range_fix": ("sizes go from 1 to {limit}",
        "los tamaños van de 1 a {limit}"),
    "err_opt_step": ("--step takes a positive learning rate, got {value}",
        "--step admite una tasa de aprendizaje positiva, no {value}"),
    "err_opt_steps": ("--steps takes 1 to {limit}, got {value}",
        "--steps admite de 1 a {limit}, no {value}"),
    "err_opt_repeats": ("--repeats takes 3 to 1000, got {value}",
        "--repeats admite de 3 a 1000, no {value}"),
    "err_opt_watch": ("--watch needs the exercise FILE(s) to watch",
        "--watch necesita los ARCHIVO(s) de ejercicio que vigilar"),
    "err_opt_n": ("-n takes 1 to 10000 variants, got {value}",
        "-n admite de 1 a 10000 variantes, no {value}"),
    "err_opt_workers": ("--workers takes 1 to {cores} (the cores of this machine), got {value}",
        "--workers admite de 1 a {cores} (los núcleos de esta máquina), no {value}"),
    "err_opt_steps_step": ("--steps needs --step LEARNING_RATE",
        "--steps necesita --step TASA_DE_APRENDIZAJE"),
    "err_opt_random": ("--random takes a size from 1 to 5000, got {value}",
        "--random admite un tamaño de 1 a 5000, no {value}"),
    "err_opt_solve": ("solve needs an exercise FILE or --random N",
        "solve necesita un ARCHIVO de ejercicio o --random N"),
    "err_cannot_read_path": ("cannot read {path}: {why}",
        "no se puede leer {path}: {why}"),
    "err_same_stem": ("{first} and {second} would both be reported as {stem}.*",
        "{first} y {second} se escribirían ambos como {stem}.*"),
    "err_same_stem_fix": ("rename one of the files, or report them one at a time with different --out",
        "renombra uno de los archivos, o haz sus informes por separado con distinto --out"),
    "err_derivative_not_finite": ("the derivative of formula {name} is not finite at the point",
        "la derivada de la fórmula {name} no es finita en el punto"),
    "err_singularity_fix": ("choose values away from this singularity",
        "elige valores lejos de esta singularidad"),
    "err_real_derivative_fix": ("choose values where every derivative is real (a negative base with a variable exponent has none)",
        "elige valores donde toda derivada sea real (una base negativa con exponente variable no la tiene)"),
    "err_derivative_too_large": ("the derivative of formula {name}: {message}, beyond what derive computes",
        "la derivada de la fórmula {name}: {message}, más allá de lo que derive calcula"),
    "err_local_infinite": ("the derivative of formula {name} with respect to {x} is infinite at the point",
        "la derivada de la fórmula {name} respecto de {x} es infinita en el punto"),
    "err_local_undefined": ("the derivative of formula {name} with respect to {x} is not defined at the point",
        "la derivada de la fórmula {name} respecto de {x} no está definida en el punto"),
    "err_finite_fix": ("choose values where every derivative is finite",
        "elige valores donde toda derivada sea finita"),
    "err_too_large_fix": ("choose smaller values, or fewer nested exponentials and powers",
        "elige valores más pequeños, o menos exponenciales y potencias anidadas"),
    "err_value_too_large": ("in formula {name}: {message} at the point, beyond what derive computes (about 10^±1,000,000)",
        "en la fórmula {name}: {message} en el punto, más allá de lo que derive calcula (unos 10^±1.000.000)"),
    "err_cancels": ("{what} cancels beyond what {digits} digits resolve (terms far larger than the result), and no exact form gives its digits",
        "{what} se cancela más allá de lo que resuelven {digits} dígitos (términos mucho mayores que el resultado), y ninguna forma exacta da sus dígitos"),
    "err_similar_sizes_fix": ("choose values of similar sizes",
        "elige valores de tamaños parecidos"),
    "err_kink_side_infinite": ("the derivative of {target} with respect to {x} is infinite on a side of the kink of {expr}",
        "la derivada de {target} respecto de {x} es infinita a un lado del pliegue de {expr}"),
    "err_hessian_cancels": ("{what} of {target} cancel beyond what {digits} digits resolve here (terms far larger than the result)",
        "{what} de {target} se cancelan más allá de lo que resuelven {digits} dígitos aquí (términos mucho mayores que el resultado)"),
    "err_hessian_cancels_fix": ("choose values of similar sizes, or order = 1",
        "elige valores de tamaños parecidos, u order = 1"),
    "err_order_one_input": ("order = {order} needs one input in wrt, a number",
        "order = {order} necesita una sola entrada en wrt, un número"),
    "err_order_one_input_fix": ("derivatives past the second are for a function of one variable; for several, order = 2 gives the Hessian",
        "las derivadas más allá de la segunda son para una función de una variable; para varias, order = 2 da la hessiana"),
    "err_hessian_size": ("the Hessian of {count} inputs is too large to show (at most {limit})",
        "la hessiana de {count} entradas es demasiado grande para mostrarla (como mucho {limit})"),
    "err_hessian_size_fix": ("take wrt = [...] with fewer inputs",
        "toma wrt = [...] con menos entradas"),
    "err_second_kink": ("second derivatives do not exist here: {expr} in formula {name} sits on its kink",
        "aquí no existen segundas derivadas: {expr} en la fórmula {name} está en su pliegue"),
    "err_second_kink_fix": ("choose a point away from the kink",
        "elige un punto lejos del pliegue"),
    "err_order_beside": ("the derivatives of order {order} of {target} cannot be computed here: {message} just beside the point",
        "las derivadas de orden {order} de {target} no se pueden calcular aquí: {message} justo al lado del punto"),
    'err_order_beside_fix': ("choose values of moderate size, away from the edges of each function's domain",
        'elige valores de tamaño moderado, lejos de los bordes del dominio de cada función'),
    "err_order_disagree": ("the exact and the numeric derivatives of order {order} disagree here ({exact} against {numeric}): with terms this far apart in size derive gives neither",
        "las derivadas exacta y numérica de orden {order} no coinciden aquí ({exact} frente a {numeric}): con términos de tamaños tan distintos derive no da ninguna"),
    "err_moderate_fix": ("choose values of moderate size",
        "elige valores de tamaño moderado"),
    'err_title_fix': ('title = "Cálculo del gradiente"  or  title = { es = "Cálculo del gradiente", en = "Computing the gradient" }',
        'title = "Cálculo del gradiente"  o  title = { es = "Cálculo del gradiente", en = "Computing the gradient" }'),
    "err_cycle_fix": ("each formula may use only inputs and formulas that do not lead back to it",
        "cada fórmula solo puede usar entradas y fórmulas que no lleven de vuelta a ella"),
    "err_range_fix": ("e.g. a = { min = -5, max = 5, step = 1, default = 2 }  or  a = { choices = [1, 2, 3] }",
        "p. ej. a = { min = -5, max = 5, step = 1, default = 2 }  o  a = { choices = [1, 2, 3] }"),
    "err_shape_spec": ("the shape of {name} must be [n] or [rows, columns] (up to 64 each)",
        "la forma de {name} debe ser [n] o [filas, columnas] (hasta 64 cada una)"),
    "err_float64_value": ("the value of {name} is too large for float64, where derive checks every result",
        "el valor de {name} es demasiado grande para float64, donde derive comprueba cada resultado"),
    "err_float64_value_fix": ("values must lie within ±1.8e308",
        "los valores deben estar dentro de ±1.8e308"),
    "err_elements": ("{name} has {count} elements; the limit is {limit}",
        "{name} tiene {count} elementos; el límite es {limit}"),
    "err_element_float64": ("an element of {name} is too large for float64",
        "un elemento de {name} es demasiado grande para float64"),
    "err_order_range": ("order must be a whole number from 1 to {limit}",
        "order debe ser un número entero de 1 a {limit}"),
    "err_order_range_fix": ("order = 2 gives the Hessian; order = 3 and up, for a function of one variable",
        "order = 2 da la hessiana; order = 3 o más, para una función de una variable"),
    "err_kink_convention": ("kink = {kink} is not a convention derive knows",
        "kink = {kink} no es una convención que derive conozca"),
    'err_kink_convention_fix': ('kink = "undefined" (the default: no derivative at a kink), "torch" (what torch\'s autograd returns there) or "subgradient" (the subgradient of least norm)',
        'kink = "undefined" (por defecto: sin derivada en un pliegue), "torch" (lo que devuelve allí el autograd de torch) o "subgradient" (el subgradiente de norma mínima)'),
    "err_of": ("of must name one formula, or several with a seed",
        "of debe nombrar una fórmula, o varias con un seed"),
    'err_of_fix': ('of = "loss", or  of = ["Q1", "Q2"]  with  seed = [1, 1]',
        'of = "loss", o  of = ["Q1", "Q2"]  con  seed = [1, 1]'),
    "err_digits": ("a number in the file has more digits than Python reads (4,300)",
        "un número del archivo tiene más dígitos de los que Python lee (4.300)"),
    'err_digits_fix': ('write a shorter number, or an exact string such as "10^30"',
        'escribe un número más corto, o una cadena exacta como "10^30"'),
    "err_default_shape": ("the default of {name} has shape {shape}, not {expected}",
        "el valor por defecto de {name} tiene forma {shape}, no {expected}"),
    "err_literal_beyond": ("the value of {name} is beyond what derive accepts (1e±{limit}, 200 digits)",
        "el valor de {name} va más allá de lo que derive acepta (1e±{limit}, 200 dígitos)"),
    "err_dimensions": ("the value of {name} has more than two dimensions",
        "el valor de {name} tiene más de dos dimensiones"),
    'err_dimensions_fix': ("derive's tensors are vectors and matrices; a batch is a matrix whose rows are examples",
        'los tensores de derive son vectores y matrices; un lote es una matriz cuyas filas son ejemplos'),
    "err_nfkc": ("{name} and {other} look different but are the same name to Python (Unicode NFKC)",
        "{name} y {other} parecen distintos pero para Python son el mismo nombre (Unicode NFKC)"),
    "err_rename_fix": ("rename one of them",
        "renombra uno de ellos"),
    "err_class_index": ("{name} is a class index (the k of cross_entropy): it has no derivative",
        "{name} es un índice de clase (la k de cross_entropy): no tiene derivada"),
    "err_class_index_fix": ("remove {name} from wrt",
        "quita {name} de wrt"),
    "err_require_list": ("require must be a list of conditions",
        "require debe ser una lista de condiciones"),
    'err_require_fix': ('require = ["m > 0", "z < 10"]',
        'require = ["m > 0", "z < 10"]'),
    'err_condition_fix': ('e.g. "m > 0"',
        'p. ej. "m > 0"'),
    "err_condition_tensors": ("the condition {text} compares tensors; compare numbers",
        "la condición {text} compara tensores; compara números"),
    'err_condition_tensors_fix': ('an element or a reduction: "h[0] > 0", "min(z) > 0"',
        'un elemento o una reducción: "h[0] > 0", "min(z) > 0"'),
    "err_not_real_number": ("{text} is not a real number",
        "{text} no es un número real"),
    "err_nested_limit": ("formula nested too deeply (the limit is {limit} levels)",
        "fórmula anidada demasiado profundamente (el límite es {limit} niveles)"),
    "err_report_kind": ("no report for kind {kind}",
        "no hay informe para el tipo {kind}"),
    "err_outside": ("refusing to write outside {out}: {path}",
        "no se escribe fuera de {out}: {path}"),
    "err_folder_in_way": ("cannot write {target}: a folder of that name is in the way",
        "no se puede escribir {target}: hay una carpeta con ese nombre"),
    "err_folder_in_way_fix": ("move the folder",
        "mueve la carpeta"),
    "err_create_folder": ("cannot create the output folder {out}: {why}",
        "no se puede crear la carpeta de salida {out}: {why}"),
    "err_symlink": ("refusing to write through the symbolic link {path}",
        "no se escribe a través del enlace simbólico {path}"),
    "err_symlink_fix": ("remove the link first",
        "quita antes el enlace"),
    "err_file_not_folder": ("cannot write {target}: {parent} is a file, not a folder",
        "no se puede escribir {target}: {parent} es un archivo, no una carpeta"),
    "err_exists": ("{target} already exists; not overwriting it",
        "{target} ya existe; no se sobrescribe"),
    "err_exists_fix": ("choose another name or remove the file first",
        "elige otro nombre o borra antes el archivo"),
    "err_cannot_write": ("cannot write {target}: {why}",
        "no se puede escribir {target}: {why}"),
    "err_seed_of": ("a seed needs  of  naming the output(s) it weighs",
        "un seed necesita  of  con las salidas que pondera"),
    'err_seed_of_fix': ('e.g.  of = ["Q1", "Q2"]  with  seed = [1, 1], or  of = "Q"  with a seed of its shape',
        'p. ej.  of = ["Q1", "Q2"]  con  seed = [1, 1], u  of = "Q"  con un seed de su forma'),
    "err_seed_needed": ("several outputs need a seed: the weight of each in the vector-Jacobian product",
        "varias salidas necesitan un seed: el peso de cada una en el producto vector-jacobiano"),
    "err_seed_needed_fix": ("add  seed = [{ones}]  under [gradient] (all ones: the gradient of their sum)",
        "añade  seed = [{ones}]  bajo [gradient] (todo unos: el gradiente de su suma)"),
    "err_of_not_formula": ("of names {name}, which is not a formula",
        "of nombra {name}, que no es una fórmula"),
    "err_outputs_scalar": ("several outputs must each be a single number; for a tensor output write one name in  of  and a seed of its shape",
        "varias salidas deben ser cada una un solo número; para una salida tensorial escribe un nombre en  of  y un seed de su forma"),
    'err_equation_fix': ('e.g. "3x + 4y - 2z = 0"',
        'p. ej. "3x + 4y - 2z = 0"'),
    "err_unknowns_list": ("unknowns must be a non-empty list of names",
        "unknowns debe ser una lista no vacía de nombres"),
    'err_unknowns_fix': ('e.g. unknowns = ["x", "y", "z"]',
        'p. ej. unknowns = ["x", "y", "z"]'),
    "err_unknown_twice": ("an unknown is listed twice",
        "una incógnita aparece dos veces"),
    "err_solver_table": ("solver must be a table",
        "solver debe ser una tabla"),
    "err_solver_table_fix": ("write  [solver]  on its own line",
        "escribe  [solver]  en su propia línea"),
    "err_no_equations": ("a linear-system exercise needs a non-empty list of equations",
        "un ejercicio de sistema lineal necesita una lista no vacía de ecuaciones"),
    'err_no_equations_fix': ('equations = ["3x + 4y - 2z = 0", "2x - 3y + 4z = 11"]',
        'equations = ["3x + 4y - 2z = 0", "2x - 3y + 4z = 11"]'),
    "err_no_unknowns": ("the equations have no unknowns",
        "las ecuaciones no tienen incógnitas"),
    "err_unknown_unused": ("unknown {name} does not appear in any equation",
        "la incógnita {name} no aparece en ninguna ecuación"),
    "err_unknown_unused_fix": ("remove it, or add it to an equation",
        "quítala, o añádela a una ecuación"),
    "err_method": ("unknown method {name}",
        "método desconocido {name}"),
    "err_methods_fix": ("methods: {names}",
        "métodos: {names}"),
    "err_tolerance": ("tolerance must be a number between 0 and 1",
        "tolerance debe ser un número entre 0 y 1"),
    "err_tolerance_fix": ("e.g. tolerance = 1e-10",
        "p. ej. tolerance = 1e-10"),
    "err_max_iterations": ("max_iterations must be an integer from 1 to 10000000",
        "max_iterations debe ser un entero de 1 a 10000000"),
    "err_solver_setting": ("unknown solver setting {name}",
        "ajuste de solver desconocido {name}"),
    "err_solver_settings_fix": ("settings: method, tolerance, max_iterations, learning_rate",
        "ajustes: method, tolerance, max_iterations, learning_rate"),
    'err_solver_rate': ('learning_rate must be "auto" or a positive number',
        'learning_rate debe ser "auto" o un número positivo'),
    "err_step_rate": ("[step] needs a learning_rate",
        "[step] necesita un learning_rate"),
    "err_step_rate_fix": ("add  learning_rate = 0.1",
        "añade  learning_rate = 0.1"),
    "err_steps_range": ("steps must be a whole number from 1 to {limit}",
        "steps debe ser un número entero de 1 a {limit}"),
    "err_update": ("update = {name} is not one derive knows",
        "update = {name} no es una que derive conozca"),
    'err_update_fix': ('update = "sgd" (plain gradient descent) or "momentum"',
        'update = "sgd" (descenso de gradiente simple) o "momentum"'),
    "err_momentum": ("momentum must be a number in [0, 1)",
        "momentum debe ser un número en [0, 1)"),
    'err_momentum_update': ('momentum needs update = "momentum"',
        'momentum necesita update = "momentum"'),
    "err_step_kink": ("after step {k} a parameter sits on a kink, where the gradient is undefined",
        "tras el paso {k} un parámetro está en un pliegue, donde el gradiente no está definido"),
    'err_step_kink_fix': ('a convention gives numbers there: [gradient] kink = "torch"',
        'una convención da números allí: [gradient] kink = "torch"'),
    "err_variants_kind": ("variants need a gradient or linear-system exercise, not {kind}",
        "variants necesita un ejercicio de gradiente o de sistema lineal, no {kind}"),
    "err_variants_setting": ("unknown [variants] setting {name}",
        "ajuste de [variants] desconocido {name}"),
    "err_settings_fix": ("settings: {names}",
        "ajustes: {names}"),
    "err_int_range": ("{key} must be { min = <integer>, max = <integer> }",
        "{key} debe ser { min = <entero>, max = <entero> }"),
    "err_true_false": ("{key} must be true or false",
        "{key} debe ser true o false"),
    "err_positive": ("{key} must be a positive number",
        "{key} debe ser un número positivo"),
    "err_ranges_fix": ("narrow the ranges, or expect `variants` to redraw that often",
                       "estrecha los rangos, o cuenta con que `variants` vuelva a sortear así de a menudo"),
    "err_zero_gradient": ("d{target}/d{x} is identically 0: {name} does not change {target2}",
                          "d{target}/d{x} es idénticamente 0: {name} no cambia {target2}"),
    "err_zero_gradient_fix": ("remove {name} from wrt, or make {target} depend on it",
                              "quita {name} de wrt, o haz que {target} dependa de ella"),
    "api_intro": ("Each cell below is one step of the worked solution, computed by derive's Python API. It needs "
                  "derive installed (`pip install .` in its folder) and nothing else: the exercise itself is in the "
                  "first code cell.",
                  "Cada celda siguiente es un paso de la solución desarrollada, calculado con la API de Python de "
                  "derive. Necesita derive instalado (`pip install .` en su carpeta) y nada más: el ejercicio "
                  "está en la primera celda de código."),
    "m_category": ("Variants of {title}, drawn by derive from {file} (seed {seed}). Each question is one variant: "
                   "a random question from this category gives each student their own.",
                   "Variantes de {title}, sorteadas por derive a partir de {file} (semilla {seed}). Cada pregunta "
                   "es una variante: una pregunta aleatoria de esta categoría da a cada estudiante la suya."),
    "m_graph_alt": ("The computational graph, with names only", "El grafo computacional, solo con los nombres"),
    "m_ask_gradient": ("Compute each partial derivative at this point and write it as a decimal (for example "
                       "-0.0421 or 3.2e-5). An answer within {tolerance} of the exact value is accepted, or within "
                       "{floor} of it where that is more.",
                       "Calcula cada derivada parcial en este punto y escríbela como decimal (por ejemplo -0.0421 "
                       "o 3.2e-5). Se acepta una respuesta a menos del {tolerance} del valor exacto, o a menos de "
                       "{floor} de él si eso es más."),
    "m_ask_system": ("Solve the system and write each unknown as a decimal. An answer within {tolerance} of the "
                     "exact value is accepted, or within {floor} of it where that is more.",
                     "Resuelve el sistema y escribe cada incógnita como decimal. Se acepta una respuesta a menos "
                     "del {tolerance} del valor exacto, o a menos de {floor} de él si eso es más."),
    "v_key_note": ("One row per variant: the values drawn and each answer to {digits} significant digits. Accept "
                   "an answer within {tolerance} of the value given (a relative error, so it holds for small "
                   "answers too); the full worked solutions are in the answer key.",
                   "Una fila por variante: los valores sorteados y cada respuesta con {digits} cifras "
                   "significativas. Acepta una respuesta que difiera como mucho un {tolerance} del valor dado (un error relativo, "
                   "que vale también para respuestas pequeñas); las soluciones desarrolladas están en el "
                   "solucionario."),
    "v_summary": ("{title}: answers at a glance", "{title}: resumen de respuestas"),
    # benchmark
    "b_statement": ("Statement", "Enunciado"),
    "b_statement_text": ("Time the product $C = AB$ of two $n \\times n$ matrices on the CPU and, where one exists, "
                         "on a GPU, and draw only the conclusions the numbers support.",
                         "Medir el tiempo del producto $C = AB$ de dos matrices $n \\times n$ en la CPU y, si la hay, "
                         "en una GPU, y sacar solo las conclusiones que los números permiten."),
    "b_method": ("1. How it is measured", "1. Cómo se mide"),
    "b_method_items": ("The matrices are created on the device beforehand, so no copy is timed with the product; "
                       "copies from the host are timed apart.|One warm-up product first (it loads kernels and "
                       "caches).|Around GPU work the clock waits for the device to finish (synchronisation): GPU "
                       "calls return before the work is done.|Each repeat is a block of products lasting at least "
                       "{block} ms; the table gives the median of {repeats} repeats and the interquartile range (IQR).|"
                       "A product costs $2n^3$ floating-point operations, so $\\text{GFLOP/s} = 2n^3 / (t \\cdot 10^9)$.|"
                       "A result above the device's peak (for this CPU: {peak_how}) would be flagged as a "
                       "measurement error.",
                       "Las matrices se crean antes en el dispositivo, así que ninguna copia se mide junto al producto; "
                       "las copias desde el host se miden aparte.|Primero un producto de calentamiento (carga núcleos "
                       "y cachés).|Alrededor del trabajo de la GPU el reloj espera a que el dispositivo termine "
                       "(sincronización): las llamadas a la GPU vuelven antes de acabar el trabajo.|Cada repetición es "
                       "un bloque de productos de al menos {block} ms; la tabla da la mediana de {repeats} repeticiones "
                       "y el rango intercuartílico (IQR).|Un producto cuesta $2n^3$ operaciones en coma flotante, así que "
                       "$\\text{GFLOP/s} = 2n^3 / (t \\cdot 10^9)$.|Un resultado por encima del pico del dispositivo "
                       "(para esta CPU: {peak_how}) se marcaría como error de medida."),
    "b_quick": ("This report uses the quick profile (sizes up to 1000, {repeats} repeats); "
                "`python -m derive bench {file}` runs the full sweep.",
                "Este informe usa el perfil rápido (tamaños hasta 1000, {repeats} repeticiones); "
                "`python -m derive bench {file}` ejecuta el barrido completo."),
    "b_environment": ("2. Where it ran", "2. Dónde se ejecutó"),
    "b_results": ("3. Results", "3. Resultados"),
    "b_col_device": ("device", "dispositivo"),
    "b_col_dtype": ("type", "tipo"),
    "b_col_median": ("median", "mediana"),
    "b_col_copy": ("host→device copy", "copia host→dispositivo"),
    "b_col_reference": ("torch.utils.benchmark", "torch.utils.benchmark"),
    "why_no-cuda-build": ("this torch ({torch}) was built without CUDA (a CPU-only wheel)",
                          "este torch ({torch}) se compiló sin CUDA (una rueda solo para CPU)"),
    "why_no-cuda-device": ("torch has CUDA support but finds no usable NVIDIA GPU or driver",
                           "torch tiene soporte CUDA pero no encuentra una GPU NVIDIA o un controlador utilizables"),
    "why_no-mps-build": ("MPS exists only in torch builds for Apple silicon (macOS)",
                         "MPS solo existe en las versiones de torch para Apple silicon (macOS)"),
    "why_no-mps-device": ("this Mac has no MPS-capable GPU or its macOS is too old",
                          "este Mac no tiene una GPU compatible con MPS o su macOS es demasiado antiguo"),
    "b_peak_how": ("{cores} cores $\\times$ {ghz} GHz (1.5 $\\times$ the base clock) $\\times$ {lanes} lanes "
                   "({capability}) $\\times$ 2 FMA units $\\times$ 2 = {peak} GFLOP/s in float32",
                   "{cores} núcleos $\\times$ {ghz} GHz (1.5 $\\times$ el reloj base) $\\times$ {lanes} carriles "
                   "({capability}) $\\times$ 2 unidades FMA $\\times$ 2 = {peak} GFLOP/s en float32"),
    "b_unavailable": ("Not measured — {device}: {reason}.", "Sin medir — {device}: {reason}."),
    "b_above_peak": ("{device} {dtype} at $n = {n}$: {g} GFLOP/s is above the peak of {peak} GFLOP/s, which is "
                     "impossible: a measurement error.", "{device} {dtype} con $n = {n}$: {g} GFLOP/s supera el pico "
                     "de {peak} GFLOP/s, lo cual es imposible: un error de medida."),
    "b_conclusion": ("4. Conclusion", "4. Conclusión"),
    "b_no_gpu": ("No GPU was available: every timing in this report is a CPU timing, so it says nothing about "
                 "how fast a GPU is. A comparison needs a run where the GPU is listed among the measured devices.",
                 "No había GPU disponible: todos los tiempos de este informe son tiempos de CPU, así que no dicen "
                 "nada sobre la velocidad de una GPU. Una comparación necesita una ejecución en la que la GPU "
                 "aparezca entre los dispositivos medidos."),
    "b_gpu": ("At the largest size measured on both, $n = {n}$, {device} {dtype} takes {tg} against {tc} on the "
              "CPU: a speedup of {speedup}.", "Con el mayor tamaño medido en ambos, $n = {n}$, {device} {dtype} "
              "tarda {tg} frente a {tc} en la CPU: una aceleración de {speedup}."),
    "b_gpu_notebook": ("At the notebook's size, $n = {n}$, {device} {dtype} takes {tg} against {tc} on the CPU: "
                       "a speedup of {speedup}.", "Con el tamaño del cuaderno, $n = {n}$, {device} {dtype} tarda "
                       "{tg} frente a {tc} en la CPU: una aceleración de {speedup}."),
    "b_fig_caption": ("Throughput (GFLOP/s) against the matrix size.", "Rendimiento (GFLOP/s) frente al tamaño de la matriz."),
    "b_env_torch": ("torch", "torch"),
    "b_env_threads": ("CPU threads used by torch", "hilos de CPU que usa torch"),
    "b_env_blas": ("BLAS library", "biblioteca BLAS"),
    "b_env_precision": ("float32 matmul precision (TF32)", "precisión de matmul en float32 (TF32)"),
    "b_env_cpu": ("CPU", "CPU"),
    "b_env_gpu": ("GPU", "GPU"),
    "b_env_none": ("none", "ninguna"),
    "b_env_load": ("load average (1, 5, 15 min) before the run", "carga media (1, 5, 15 min) antes de la ejecución"),
    "b_disturbed": ("{device} {dtype} at $n = {n}$ was DISTURBED ({why}): its GFLOP/s (in parentheses) describe the "
                    "scheduler, not the hardware.", "{device} {dtype} con $n = {n}$ fue PERTURBADO ({why}): sus GFLOP/s "
                    "(entre paréntesis) describen al planificador, no al hardware."),
    "b_why_busy": ("other processes used {others} CPU cores while it ran, competing with torch's {threads} threads",
                   "otros procesos usaron {others} núcleos de CPU mientras se medía, compitiendo con los {threads} "
                   "hilos de torch"),
    "b_why_slower-than-one-thread": ("{threads} threads took {median} against {control} with one thread: the "
                                     "threads did not run in parallel", "{threads} hilos tardaron {median} frente a "
                                     "{control} con un solo hilo: los hilos no se ejecutaron en paralelo"),
    "b_disturbed_conclusion": ("Some measurements were disturbed by other work on the machine; they are left out of "
                               "every comparison below. Run the benchmark again on a quiet machine.",
                               "Algunas medidas se vieron perturbadas por otro trabajo en la máquina; quedan fuera "
                               "de toda comparación. Repite la medida con la máquina en reposo."),
    "b_setting": ("setting", "ajuste"),
    "b_value": ("value", "valor"),
    "code_bench": ("# time A @ B with torch.utils.benchmark, using all of torch's CPU threads",
                   "# mide A @ B con torch.utils.benchmark, usando todos los hilos de CPU de torch"),
    "fig_size": ("matrix size n", "tamaño de la matriz n"),
    "fig_peak": ("{device} {dtype}: peak (upper bound)", "{device} {dtype}: pico (cota superior)"),
    "fig_speedup": ("speedup over the CPU", "aceleración sobre la CPU"),
    "fig_gflops_log": ("GFLOP/s (log scale)", "GFLOP/s (escala logarítmica)"),
    "fig_disturbed": ("{device} {dtype}: disturbed run", "{device} {dtype}: medida perturbada"),

    # saved benchmark runs (bench --from-json)
    "err_bench_json": ("{problem}: not the output of `derive bench --json`",
                       "{problem}: no es la salida de `derive bench --json`"),
    "err_bench_json_parts": ("it lacks results, unavailable or environment",
                             "le faltan results, unavailable o environment"),
    "err_bench_json_env": ("its environment is not a table", "su environment no es una tabla"),
    "err_bench_json_env_key": ("its environment has no valid {key}", "su environment no tiene un {key} válido"),
    "err_bench_json_list": ("its {part} is not a list", "su {part} no es una lista"),
    "err_bench_json_entry": ("an entry of {part} is incomplete or malformed",
                             "una entrada de {part} está incompleta o mal formada"),
    "err_bench_json_field": ("an entry of 'results' has no valid {key}",
                             "una entrada de 'results' no tiene un {key} válido"),
    "err_bench_json_positive": ("an entry of 'results' has a time or size that is not positive",
                                "una entrada de 'results' tiene un tiempo o un tamaño que no es positivo"),
    "err_v_overflows": ("autograd overflows: the exact value lies beyond float64's range (about 1.8e308)",
                        "autograd se desborda: el valor exacto queda fuera del rango de float64 (unos 1.8e308)"),
    "err_empty_slice": ("the slice {key} of a tensor of shape {shape} is empty",
                        "el corte {key} de un tensor de forma {shape} está vacío"),
    "err_rewrites": ("SymPy rewrites this with {name}, which derive does not compute",
                     "SymPy reescribe esto con {name}, que derive no calcula"),
    "err_rewrites_fix": ("derive differentiates real functions: SymPy rewrote the expression because a part of it may "
                         "not be real for every real input (a root or a fractional power of a name that may be "
                         "negative); write that part so it is real, e.g. sqrt(abs(a)) or exp(...) without abs",
                         "derive deriva funciones reales: SymPy reescribió la expresión porque una parte puede no ser "
                         "real para toda entrada real (una raíz o una potencia fraccionaria de un nombre que puede "
                         "ser negativo); escribe esa parte de modo que sea real, p. ej. sqrt(abs(a)) o exp(...) sin abs"),
    # the Python API's arguments
    "err_api_not_number": ("{value} is not a number", "{value} no es un número"),
    "err_api_not_number_fix": ("a value is a number, a string such as \"1/3\", a list of them, or a range table",
                               "un valor es un número, una cadena como \"1/3\", una lista de ellos o una tabla de rango"),
    "err_api_long_integer": ("an integer with more than {n} digits", "un entero de más de {n} cifras"),
    "err_api_long_integer_fix": ("derive's points are numbers float64 can hold: write it as a float, e.g. 1e300",
                                 "los puntos de derive son números que float64 puede guardar: escríbelo como float, "
                                 "p. ej. 1e300"),
    "err_api_not_finite": ("{value} is not a finite number", "{value} no es un número finito"),
    "err_api_not_finite_fix": ("a point must be finite in float64: the checks run there",
                               "un punto debe ser finito en float64: las comprobaciones se hacen ahí"),
    "err_api_nested": ("lists nested more than {n} deep", "listas anidadas a más de {n} niveles"),
    "err_api_type": ("a value of type {kind} is not one derive reads", "derive no lee valores de tipo {kind}"),
    "err_api_names": ("{what} must be a name or a list of names, not {value}",
                      "{what} debe ser un nombre o una lista de nombres, no {value}"),
    "err_api_names_fix": ("for example [\"a\", \"b\"]", "por ejemplo [\"a\", \"b\"]"),
    "err_api_table": ("{what} must be a dict whose keys are names (str), not a {kind}",
                      "{what} debe ser un dict cuyas claves sean nombres (str), no un {kind}"),
    "err_api_values_fix": ("for example values={'a': 2}", "por ejemplo values={'a': 2}"),
    "err_api_formulas_fix": ("for example formulas={'y': 'a^2'}", "por ejemplo formulas={'y': 'a^2'}"),
    "err_api_lang": ("lang must be 'en' or 'es', not {value}", "lang debe ser 'en' o 'es', no {value}"),
    "err_api_title": ("title must be a str, or a dict {'en': ..., 'es': ...}",
                      "title debe ser un str o un dict {'en': ..., 'es': ...}"),
    "err_api_formula": ("a formula is text (a str), not a {kind}", "una fórmula es texto (un str), no un {kind}"),
    "err_api_formula_fix": ("for example formulas={'y': 'a^2 + b'}", "por ejemplo formulas={'y': 'a^2 + b'}"),
    # derive's own checks
    "err_max_attempts": ("max_attempts must be a whole number from 1 to {n}",
                         "max_attempts debe ser un número entero de 1 a {n}"),
    "err_max_attempts_fix": ("a condition that holds that rarely is better written as narrower ranges",
                             "una condición que se cumple tan pocas veces se escribe mejor con rangos más estrechos"),
    "err_huge_number": ("a number with more than {n} digits", "un número de más de {n} cifras"),
    "err_huge_number_fix": ("use smaller numbers: derive computes exactly with numbers of at most that many digits",
                            "usa números más pequeños: derive calcula exactamente con números de como mucho esas cifras"),
    "code_agrees": ("# the inputs where derive found that autograd agrees with the exact gradient",
                    "# las entradas en las que derive comprobó que autograd coincide con el gradiente exacto"),
    "code_differs": ("  autograd differs from the exact value here: the checks say why (not asserted)",
                     "  autograd difiere del valor exacto aquí: las comprobaciones dicen por qué (no se exige)"),
    "code_refused": ("# torch refuses a moved point (a label outside [0, 1])",
                     "# torch rechaza un punto desplazado (una etiqueta fuera de [0, 1])"),
    "err_range_choices_numbers": ("the choices of {name} must be numbers", "las opciones de {name} deben ser números"),
    "err_range_bounds_numbers": ("min, max and step of {name} must be numbers",
                                 "min, max y step de {name} deben ser números"),
    "err_range_tensor_fix": ("a tensor range draws every element from the choices: add  shape = [2, 3]",
                             "un rango de tensor sortea cada elemento entre las opciones: añade  shape = [2, 3]"),
    "err_range_tensor_bounds_fix": ("a tensor range draws every element from min … max: add  shape = [2, 3]",
                                    "un rango de tensor sortea cada elemento entre min … max: añade  shape = [2, 3]"),
    # report --watch
    "w_updated": ("updated; waiting for changes (Ctrl-C to stop)",
                  "actualizado; esperando cambios (Ctrl-C para terminar)"),
    "w_fix": ("fix the file and save it; waiting for changes", "corrige el archivo y guárdalo; esperando cambios"),
    "w_failed": ("failed; waiting for changes", "ha fallado; esperando cambios"),
    "w_stopped": ("stopped", "detenido"),
    "b_stored": ("These are the measurements stored in {stored}, beside the exercise (made with `python -m derive bench "
                 "{file} --quick --json`), so the report is the same every time it is written; "
                 "`python -m derive report {file} --measure` times this machine instead.",
                 "Son las medidas guardadas en {stored}, junto al ejercicio (hechas con `python -m derive bench "
                 "{file} --quick --json`), así que el informe sale igual cada vez que se escribe; "
                 "`python -m derive report {file} --measure` mide esta máquina en su lugar."),
    # why variants stopped: what changes the most common refusal
    "rej_zero_element": ("zero element", "elemento nulo"),
    "rej_degenerate_gradient": ("degenerate gradient", "gradiente degenerado"),
    "err_variants_branch_fix": ("most draws leave a branch of max, min, abs or relu that the file's own point takes "
                                "(same_branches = true keeps every variant on the file's walkthrough): narrow the ranges "
                                "around the file's values, or set same_branches = false in [variants]",
                                "la mayoría de los sorteos salen de una rama de max, min, abs o relu que toma el punto "
                                "del archivo (same_branches = true mantiene cada variante en el desarrollo del archivo): "
                                "estrecha los rangos alrededor de los valores del archivo, o pon same_branches = false "
                                "en [variants]"),
    "err_variants_zero_element_fix": ("most draws make 0 a gradient element that is not 0 at the file's point (a unit "
                                      "that dies): narrow the ranges, or set allow_zero_gradient = true in [variants]",
                                      "la mayoría de los sorteos anulan un elemento del gradiente que no es 0 en el "
                                      "punto del archivo (una unidad que muere): estrecha los rangos, o pon "
                                      "allow_zero_gradient = true en [variants]"),
    "err_variants_zero_gradient_fix": ("most draws make a whole gradient 0 (nothing reaches the loss through that "
                                       "input): narrow the ranges around the file's values",
                                       "la mayoría de los sorteos anulan un gradiente entero (nada llega a la pérdida "
                                       "por esa entrada): estrecha los rangos alrededor de los valores del archivo"),
    "err_variants_kink_fix": ("most draws land exactly on a kink (a max or relu at a tie): choose steps that make "
                              "ties rare, such as odd multiples of 0.25",
                              "la mayoría de los sorteos caen justo en un pliegue (un max o relu en un empate): elige "
                              "pasos que hagan raros los empates, como múltiplos impares de 0.25"),
    "err_variants_degenerate_fix": ("most draws give gradients below 10^-6 of the loss (saturated units): narrow the "
                                    "ranges", "la mayoría de los sorteos dan gradientes por debajo de 10^-6 de la "
                                    "pérdida (unidades saturadas): estrecha los rangos"),
}


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def t(lang: str, key: str, /, **values) -> str:
    """The sentence `key` in `lang`, with its {placeholders} filled in (other braces are LaTeX's)."""
    text = TEXT[key][LANGS.index(lang)]
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
