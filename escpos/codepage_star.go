package escpos

// StarStandard is the name of Star's own slot-0 table ("Normal" in the
// StarPRNT and Star Line Mode specifications' code page list, "Standard" in
// Star's character code tables): ASCII below 0x80 and, above, block
// graphics, Western European letters at Star's own places (Ä 0xA0, ö 0xB9,
// ü 0xBE, ä 0xCD, é 0xB0) and symbols. receipt-printer-encoder selects it
// for German on every Star model, so the virtual printer must read it.
//
// Source: @point-of-sale/codepage-encoder 3.x's 'star/standard' table
// (MIT), which models Star's table for code page 0; not yet checked cell by
// cell against Star's printed table. 0 marks cells it leaves undefined.
const StarStandard = "STAR-STANDARD"

var starStandard = [128]rune{
	0xA0, 0x1FB70, 0x1FB76, 0x1FB71, 0x1FB77, 0x1FB72, 0x1FB78, 0x1FB73, 0x1FB79, 0x1FB74, 0x1FB7A, 0x1FB75, 0x251C, 0x1FB7B, 0x1FB7C, 0x1FB7E, // 0x80
	0x1FB7F, 0x1FB7D, 0x2598, 0x2597, 0x2596, 0x259D, 0x2571, 0x2572, 0x25E5, 0x25E4, 0x250C, 0x2534, 0x252C, 0x2524, 0x2666, 0x2573, // 0x90
	'Ä', 'Ö', 'Ü', 'ß', '§', 'ª', 'º', 0, '¢', '½', 0, 0, '¥', '¼', 'Ā', 'ë', // 0xA0
	'é', 'è', 'ē', 'ê', 'ï', 'í', 'ì', 'ī', 'î', 'ö', 'ó', 'ò', 'ō', 'ô', 'ü', 'ú', // 0xB0
	'ù', 'ū', 'û', 'ç', '¿', 0, 0, 'Ē', 'ↄ', '¡', 'Å', 'ø', 'Ø', 'ä', 'á', 'à', // 0xC0
	'ā', 'â', '°', '℃', '℉', 'Ω', 'µ', 'Σ', 'σ', 0, 0, 'χ', '∞', '±', '÷', 'π', // 0xD0
	'▌', '▄', '▀', '▐', '┼', '┘', '└', '┐', '█', '▒', '⏊', '←', '↑', '→', '↓', '╭', // 0xE0
	'⏉', 0x1FB83, 0, '▁', '▍', 0, 0x1FB88, '▚', '▞', '◢', '◣', 0x1FB30, '⏸', '╰', '╯', '╮', // 0xF0
}

func init() {
	dbTables[StarStandard] = &starStandard
}
